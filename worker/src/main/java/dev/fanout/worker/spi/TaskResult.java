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
 */
public record TaskResult(
    boolean succeeded, boolean retryable, String reason, String message, String result) {

  public static final String ERROR = Reasons.ERROR;

  public TaskResult {
    if (!succeeded) {
      Objects.requireNonNull(reason, "a failure needs a reason");
    }
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

  /** A failure no retry can mend (a bad parameter, say): the task fails at once. */
  public static TaskResult permanentFailure(String reason, String message) {
    return new TaskResult(false, false, reason, message, null);
  }
}
