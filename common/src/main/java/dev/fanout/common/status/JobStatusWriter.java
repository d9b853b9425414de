package dev.fanout.common.status;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.common.queue.Messages;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way Fanout writes a Job's status, for both of its writers: the workers' fields (finished
 * tasks, {@link #record}) and the operator's (phase, conditions, times, {@link
 * #writeOperatorFields}) with the Event of a phase change. Every write is a JSON merge patch on
 * /status that carries only its writer's fields and the resourceVersion it was computed from, as a
 * precondition; on 409 it reads the Job again, computes again and retries, a bounded number of
 * times. Once the operator has finished the Job, workers count nothing more: its verdict stands.
 */
public final class JobStatusWriter {
  private static final Logger log = LoggerFactory.getLogger(JobStatusWriter.class);
  public static final int MAX_TRIES = 12;

  /** What a call did. */
  public enum Result {
    WRITTEN,
    UNCHANGED,
    /**
     * Not written: the Job is finished (Complete or Failed), so the batch is not counted. A task
     * that ran on while its Job ended is recorded in its task row only.
     */
    FINISHED,
    /** The Job is deleted or being deleted, or replaced by another with the same name. */
    GONE
  }

  private final KubernetesClient client;
  private final Counter writes;
  private final Counter conflicts;
  private final JobEvents events;

  public JobStatusWriter(KubernetesClient client, MeterRegistry registry) {
    this.client = client;
    this.writes = registry.counter("fanout_status_writes");
    this.conflicts = registry.counter("fanout_status_conflicts");
    this.events = new JobEvents(client);
  }

  /**
   * Writes the operator's fields, computed from {@code seen}, unless the status holds them already;
   * when the phase changes, records an Event ({@code reason} and {@code message} are the new
   * condition's). On a conflict, the fields are written again over the newer Job: they are the
   * operator's alone, and the next reconcile sees what the newer writes changed.
   *
   * @throws ConflictException when every try met a newer version
   */
  public Result writeOperatorFields(
      Job seen, OperatorFields fields, String reason, String message, Instant now) {
    String uid = seen.getMetadata().getUid();
    JobPhase before = seen.getStatus() == null ? null : seen.getStatus().getPhase();
    Result result =
        write(
            seen.getMetadata().getNamespace(),
            seen.getMetadata().getName(),
            seen,
            MAX_TRIES,
            job -> {
              if (job == null || !uid.equals(job.getMetadata().getUid())) {
                return Step.stop(Result.GONE);
              }
              return fields.sameAs(job.getStatus())
                  ? Step.stop(Result.UNCHANGED)
                  : Step.write(fields.asStatusPatch());
            });
    if (result == Result.WRITTEN && fields.phase() != before) {
      events.phaseChanged(seen, fields.phase(), reason, message, now);
    }
    return result;
  }

  /**
   * Adds {@code batch} to the status of the Job with that UID.
   *
   * @param cached a recent copy (for example from an informer) to try first, or null
   * @throws ConflictException when every try met a newer version
   */
  public Result record(
      String namespace, String name, String uid, int totalHint, Job cached, List<Finished> batch) {
    return record(namespace, name, uid, totalHint, cached, MAX_TRIES, () -> batch);
  }

  /**
   * Adds the batch to the status of the Job with that UID, asking {@code batch} for it on each try:
   * after a conflict the caller may hand over more (what finished meanwhile), and each try merges
   * all of it into the Job as just read. What the last call returned is what a {@link
   * Result#WRITTEN} wrote.
   *
   * @param cached a recent copy (for example from an informer) to try first, or null
   * @param tries how many writes to try at most before giving up
   * @throws ConflictException when every try met a newer version
   */
  public Result record(
      String namespace,
      String name,
      String uid,
      int totalHint,
      Job cached,
      int tries,
      Supplier<List<Finished>> batch) {
    // A cached copy of another Job with the same name (replaced since) says nothing: ask.
    Job first =
        cached != null && uid.equals(cached.getMetadata().getUid())
            ? cached
            : read(namespace, name);
    return write(
        namespace,
        name,
        first,
        tries,
        job -> {
          if (job == null
              || !uid.equals(job.getMetadata().getUid())
              || job.getMetadata().getDeletionTimestamp() != null) {
            return Step.stop(Result.GONE);
          }
          WorkerFields current = WorkerFields.of(job.getStatus(), totalHint);
          WorkerFields merged = current.merge(batch.get());
          if (merged == current) {
            return Step.stop(Result.UNCHANGED);
          }
          if (job.getStatus() != null && job.getStatus().isFinished()) {
            return Step.stop(Result.FINISHED);
          }
          return Step.write(merged.asStatusPatch());
        });
  }

  /** What to do with the Job as last read: stop with a result, or write these fields. */
  private record Step(Result result, Map<String, Object> fields) {
    static Step stop(Result result) {
      return new Step(result, null);
    }

    static Step write(Map<String, Object> fields) {
      return new Step(null, fields);
    }
  }

  /**
   * Read-decide-write with the resourceVersion as the precondition: on 409, reads the Job again and
   * decides again, {@code maxTries} times at most.
   */
  private Result write(
      String namespace, String name, Job first, int maxTries, Function<Job, Step> decide) {
    Job job = first;
    for (int tries = 1; tries <= maxTries; tries++) {
      Step step = decide.apply(job);
      if (step.result() != null) {
        return step.result();
      }
      try {
        patch(job, step.fields());
        writes.increment();
        return Result.WRITTEN;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return Result.GONE;
        }
        if (e.getCode() != 409) {
          throw e;
        }
        conflicts.increment();
        log.debug("Job {}/{}: status conflict on try {}, reading again", namespace, name, tries);
        if (tries == maxTries) {
          break;
        }
        pause(tries);
        job = read(namespace, name);
      }
    }
    throw new ConflictException(
        "Job "
            + namespace
            + "/"
            + name
            + ": status kept changing; gave up after "
            + maxTries
            + " tries");
  }

  private Job read(String namespace, String name) {
    return client.resources(Job.class).inNamespace(namespace).withName(name).get();
  }

  /**
   * A JSON Patch on /status: first the resourceVersion the fields were computed from, which makes
   * the API server refuse the write with 409 if the Job changed since; then an {@code add} of each
   * field, which sets it whole (or of the whole status, the first time). Not a merge patch:
   * fabric8's mock API server appends to lists sent in one, and the conditions and failures would
   * pile up there; a JSON Patch means the same on both servers.
   */
  private void patch(Job job, Map<String, Object> fields) {
    List<Map<String, Object>> operations = new ArrayList<>();
    operations.add(
        Map.of(
            "op", "add",
            "path", "/metadata/resourceVersion",
            "value", job.getMetadata().getResourceVersion()));
    Map<String, Object> present = new LinkedHashMap<>(fields);
    present.values().removeIf(Objects::isNull);
    if (job.getStatus() == null) {
      operations.add(Map.of("op", "add", "path", "/status", "value", present));
    } else {
      present.forEach(
          (field, value) ->
              operations.add(Map.of("op", "add", "path", "/status/" + field, "value", value)));
    }
    client
        .resource(target(job.getMetadata().getNamespace(), job.getMetadata().getName()))
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), Messages.encode(operations));
  }

  /**
   * A handle on the Job by name. fabric8 sends {@code withName(name).patch(...)} only after a GET
   * of the object (to have one); on a handle made from an object it sends the PATCH alone, which
   * halves a status write's requests (measured on a real API server, docs/status-writes.md).
   */
  public static Job target(String namespace, String name) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    return job;
  }

  /** A little jitter so writers that collided don't collide again in step. */
  private static void pause(int tries) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextInt(1, 10 * Math.min(tries, 5) + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("interrupted while retrying a status write");
    }
  }

  /** Every try to write a status met a newer version of the Job. */
  public static class ConflictException extends RuntimeException {
    public ConflictException(String message) {
      super(message);
    }
  }
}
