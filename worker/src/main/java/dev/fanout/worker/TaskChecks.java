package dev.fanout.worker;

import dev.fanout.api.Backoff;
import dev.fanout.api.JobSpec;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Messages.BadMessageException;
import dev.fanout.common.queue.TaskMessage;
import java.util.regex.Pattern;

/**
 * A task message is input, not authority (invariant 8): what must hold of it before anything else
 * is done with it, and the task as the Job's spec has it. Pure.
 */
final class TaskChecks {
  /** A namespace: a DNS-1123 label. */
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** An object name: a DNS-1123 subdomain. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final Pattern UID = Pattern.compile("[-0-9a-zA-Z]{1,64}");
  private static final int MAX_ATTEMPTS = 100;
  private static final int MAX_TIMEOUT_SECONDS = 43200;

  /** The operator's largest FANOUT_MAX_RECEIVE_COUNT. */
  private static final int MAX_DELIVERIES = 1000;

  private TaskChecks() {}

  /**
   * @throws BadMessageException when the message names no possible Job or task
   */
  static void wellFormed(TaskMessage task) {
    if (task.jobUid() == null || !UID.matcher(task.jobUid()).matches()) {
      throw impossible("Job UID", task.jobUid());
    }
    if (task.namespace() == null || !NAMESPACE.matcher(task.namespace()).matches()) {
      throw impossible("namespace", task.namespace());
    }
    if (task.name() == null || task.name().length() > 253 || !NAME.matcher(task.name()).matches()) {
      throw impossible("Job name", task.name());
    }
    if (task.index() < 0) {
      throw impossible("task index", Integer.toString(task.index()));
    }
    if (task.priorAttempts() < 0 || task.priorAttempts() > MAX_ATTEMPTS) {
      throw impossible("count of earlier attempts", Integer.toString(task.priorAttempts()));
    }
    if (task.priorDeliveries() < 0 || task.priorDeliveries() > MAX_DELIVERIES) {
      throw impossible("count of earlier deliveries", Integer.toString(task.priorDeliveries()));
    }
  }

  private static BadMessageException impossible(String what, String value) {
    return new BadMessageException(
        "not a task message: impossible " + what + " " + Messages.preview(value));
  }

  /** Whether the Job has a task of that index (within its tasks, and its tasks.indexes if set). */
  static boolean hasTask(JobSpec spec, int index) {
    if (spec == null) {
      return false;
    }
    try {
      return spec.runsIndex(index);
    } catch (IllegalArgumentException e) {
      return false; // tasks.indexes the operator refuses (InvalidSpec): nothing runs
    }
  }

  /**
   * The task to run: handler, command and task count from the Job's spec, whatever the message
   * says; the attempt limits the message was sent with (an edit applies to tasks sent after it),
   * held to what the CRD allows.
   */
  static TaskMessage fromSpec(TaskMessage t, JobSpec spec) {
    int maxAttempts =
        t.maxAttempts() >= 1 && t.maxAttempts() <= MAX_ATTEMPTS
            ? t.maxAttempts()
            : spec.effectiveMaxAttempts();
    int timeout =
        t.timeoutSeconds() >= 1 && t.timeoutSeconds() <= MAX_TIMEOUT_SECONDS
            ? t.timeoutSeconds()
            : spec.effectiveTaskTimeoutSeconds();
    Backoff backoff = allowed(t.backoff()) ? t.backoff() : spec.getBackoff();
    return new TaskMessage(
        t.version(),
        t.jobUid(),
        t.namespace(),
        t.name(),
        t.index(),
        spec.taskCount(),
        spec.getHandler(),
        spec.getCommand(),
        t.params(),
        maxAttempts,
        timeout,
        backoff,
        t.priorAttempts(),
        t.priorDeliveries(),
        t.indexes(),
        t.taskParams(),
        t.lostBefore());
  }

  private static boolean allowed(Backoff b) {
    return b == null
        || (within(b.getInitialSeconds(), 0, Backoff.LIMIT_SECONDS)
            && within(b.getMaxSeconds(), 0, Backoff.LIMIT_SECONDS)
            && (b.getFactor() == null || (b.getFactor() >= 1 && b.getFactor() <= 100)));
  }

  private static boolean within(Integer value, int min, int max) {
    return value == null || (value >= min && value <= max);
  }
}
