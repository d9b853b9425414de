package dev.fanout.common.status;

import dev.fanout.api.Job;
import dev.fanout.common.queue.Messages;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records finished tasks in a Job's status: read, merge, write with the resourceVersion as the
 * precondition (a JSON merge patch on /status), and on 409 read again and retry, a bounded number
 * of times. Once the operator has finished the Job, nothing more is counted: its verdict stands.
 */
public final class JobStatusPatcher {
  private static final Logger log = LoggerFactory.getLogger(JobStatusPatcher.class);
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

  public JobStatusPatcher(KubernetesClient client, MeterRegistry registry) {
    this.client = client;
    this.writes = registry.counter("fanout_status_writes");
    this.conflicts = registry.counter("fanout_status_conflicts");
  }

  /**
   * Adds {@code batch} to the status of the Job with that UID.
   *
   * @param cached a recent copy (for example from an informer) to try first, or null
   * @throws ConflictException when every try met a newer version
   */
  public Result record(
      String namespace, String name, String uid, int totalHint, Job cached, List<Finished> batch) {
    Supplier<Job> fresh =
        () -> client.resources(Job.class).inNamespace(namespace).withName(name).get();
    // A cached copy of another Job with the same name (replaced since) says nothing: ask.
    Job job = cached != null && uid.equals(cached.getMetadata().getUid()) ? cached : fresh.get();
    for (int tries = 1; tries <= MAX_TRIES; tries++) {
      if (job == null
          || !uid.equals(job.getMetadata().getUid())
          || job.getMetadata().getDeletionTimestamp() != null) {
        return Result.GONE;
      }
      WorkerFields current = WorkerFields.of(job.getStatus(), totalHint);
      WorkerFields merged = current.merge(batch);
      if (merged == current) {
        return Result.UNCHANGED;
      }
      if (job.getStatus() != null && job.getStatus().isFinished()) {
        return Result.FINISHED;
      }
      try {
        patch(namespace, name, job.getMetadata().getResourceVersion(), merged);
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
        pause(tries);
        job = fresh.get();
      }
    }
    throw new ConflictException(
        "Job "
            + namespace
            + "/"
            + name
            + ": status kept changing; gave up after "
            + MAX_TRIES
            + " tries");
  }

  private void patch(String namespace, String name, String resourceVersion, WorkerFields fields) {
    Map<String, Object> body =
        Map.of(
            "metadata", Map.of("resourceVersion", resourceVersion),
            "status", fields.asStatusPatch());
    client
        .resource(target(namespace, name))
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), Messages.encode(body));
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
