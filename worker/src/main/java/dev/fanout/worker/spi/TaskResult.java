package dev.fanout.worker.spi;

import dev.fanout.common.status.Reasons;
import java.util.Objects;

/**
 * How one attempt of a task ended.
 *
 * @param succeeded whether the attempt succeeded
 * @param retryable for a failure: whether another attempt may help
 * @param reason for a failure: a CamelCase reason such as {@code Error}
 * @param message for a failure: what went wrong (cut to 1 KiB in the status)
 * @param result for a success: a short result (cut to 1 KiB), or null
 * @param exitCode for a failure: the exit code of the process the attempt ran (1..255), which
 *     {@code spec.failurePolicy} rules match; null when there was none (a timeout, an error)
 */
public record TaskResult(
    boolean succeeded,
    boolean retryable,
    String reason,
    String message,
    String result,
    Integer exitCode) {

  public static final String ERROR = Reasons.ERROR;

  public TaskResult {
    if (!succeeded) {
      Objects.requireNonNull(reason, "a failure needs a reason");
    }
  }

  /** A result without an exit code, as handlers written before exit codes build it. */
  public TaskResult(
      boolean succeeded, boolean retryable, String reason, String message, String result) {
    this(succeeded, retryable, reason, message, result, null);
  }

  public static TaskResult success() {
    return new TaskResult(true, false, null, null, null);
  }

  public static TaskResult success(String result) {
    return new TaskResult(true, false, null, null, result);
  }

  /** A failed attempt; the task is retried while it has attempts left. */
  public static TaskResult failure(String reason, String message) {
    return new TaskResult(false, true, reason, message, null);
  }

  /**
   * A failed attempt of a process that exited with {@code exitCode}: retried while it has attempts
   * left, unless a {@code spec.failurePolicy} rule for that code decides otherwise.
   */
  public static TaskResult exited(int exitCode, String message) {
    return new TaskResult(false, true, ERROR, message, null, exitCode);
  }

  /** A failure no retry can mend (a bad parameter, say): the task fails at once. */
  public static TaskResult permanentFailure(String reason, String message) {
    return new TaskResult(false, false, reason, message, null);
  }
}
