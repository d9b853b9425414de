package dev.fanout.common.queue;

/**
 * What became of one attempt of a task, sent by a worker to the operator for the task rows.
 *
 * @param kind SUCCEEDED and FAILED are final; RETRYING is a failed attempt that will be retried;
 *     RETURNED hands an unstarted task back to the operator (its Job is suspended)
 * @param result a short result (the tail of a command's output), at most 1 KiB
 * @param startedAtMillis epoch milliseconds when the attempt started
 */
public record Outcome(
    String jobUid,
    String namespace,
    String name,
    int index,
    int attempt,
    Kind kind,
    String reason,
    String message,
    String result,
    long startedAtMillis,
    long durationMillis,
    String worker) {

  /** How the attempt ended. */
  public enum Kind {
    SUCCEEDED,
    FAILED,
    RETRYING,
    /**
     * Not run: the worker deleted the message of a suspended Job's task, and the operator sends it
     * again on resume, rather than it going round the queue every few seconds meanwhile.
     */
    RETURNED
  }

  public boolean isFinal() {
    return kind == Kind.SUCCEEDED || kind == Kind.FAILED;
  }
}
