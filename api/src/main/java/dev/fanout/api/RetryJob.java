package dev.fanout.api;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Builds the Job that retries the failed tasks of a finished Job: the same spec, {@code
 * tasks.indexes} set to the finished Job's failed indexes (already in the original numbering), not
 * suspended, annotated {@code fanout.dev/retry-of}, its labels copied. Pure: the caller creates it.
 */
public final class RetryJob {
  public static final String RETRY_OF_ANNOTATION = "fanout.dev/retry-of";

  /** How many {@code NAME-retry-<n>} names are tried before giving up. */
  public static final int MAX_RETRY_NUMBER = 10_000;

  private RetryJob() {}

  /** Why a Job cannot be retried, in a sentence that names it. */
  public static final class NotRetryable extends RuntimeException {
    public NotRetryable(String message) {
      super(message);
    }
  }

  /**
   * The retry of {@code finished}, named {@code NAME-retry-<n>} with the first {@code n} from 1 up
   * that {@code taken} does not hold.
   *
   * @throws NotRetryable when the Job is not finished (phase Succeeded or Failed) or has no failed
   *     indexes
   */
  public static Job of(Job finished, Predicate<String> taken) {
    String name = finished.getMetadata().getName();
    IndexSet failed = failedIndexes(finished);
    Job retry = new Job();
    retry.setMetadata(metadata(finished, retryName(name, taken)));
    JobSpec spec = Serialization.clone(finished.getSpec());
    TaskSource tasks = spec.getTasks() == null ? new TaskSource() : spec.getTasks();
    tasks.setIndexes(failed.format());
    spec.setTasks(tasks);
    spec.setSuspend(false);
    retry.setSpec(spec);
    return retry;
  }

  /**
   * The failed indexes of a finished Job.
   *
   * @throws NotRetryable when it is not finished or none failed
   */
  public static IndexSet failedIndexes(Job job) {
    String ref = "job.fanout.dev/" + job.getMetadata().getName();
    JobStatus status = job.getStatus();
    JobPhase phase = status == null ? null : status.getPhase();
    if (phase == null || !phase.isFinished()) {
      throw new NotRetryable(
          ref
              + " is "
              + (phase == null ? "not started" : phase)
              + ": only a finished Job (Succeeded or Failed) can be retried");
    }
    IndexSet failed = status.failedSet();
    if (failed.isEmpty()) {
      throw new NotRetryable(ref + " is " + phase + " with no failed tasks: nothing to retry");
    }
    return failed;
  }

  /** {@code NAME-retry-<n>}, the first n from 1 up that is not taken. */
  public static String retryName(String name, Predicate<String> taken) {
    for (int n = 1; n <= MAX_RETRY_NUMBER; n++) {
      String candidate = name + "-retry-" + n;
      if (!taken.test(candidate)) {
        return candidate;
      }
    }
    throw new NotRetryable(
        "job.fanout.dev/" + name + " has been retried " + MAX_RETRY_NUMBER + " times already");
  }

  private static ObjectMeta metadata(Job finished, String name) {
    ObjectMeta from = finished.getMetadata();
    Map<String, String> labels =
        from.getLabels() == null ? null : new LinkedHashMap<>(from.getLabels());
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(from.getNamespace())
        .withLabels(labels)
        .withAnnotations(Map.of(RETRY_OF_ANNOTATION, from.getName()))
        .build();
  }
}
