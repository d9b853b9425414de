package dev.fanout.worker;

import dev.fanout.api.Backoff;
import dev.fanout.worker.spi.TaskResult;

/**
 * Decides what follows an attempt: done, or another attempt after the Job's backoff (invariant 3).
 * Pure.
 */
final class AttemptPolicy {
  private AttemptPolicy() {}

  /**
   * @param retryDelaySeconds for a retry: how long the message stays hidden before the next attempt
   */
  record Verdict(Kind kind, int retryDelaySeconds) {
    enum Kind {
      SUCCEEDED,
      RETRY,
      FAILED
    }
  }

  static Verdict after(TaskResult result, int attempt, int maxAttempts, Backoff backoff) {
    if (result.succeeded()) {
      return new Verdict(Verdict.Kind.SUCCEEDED, 0);
    }
    if (!result.retryable() || attempt >= maxAttempts) {
      return new Verdict(Verdict.Kind.FAILED, 0);
    }
    Backoff effective = backoff == null ? new Backoff() : backoff;
    return new Verdict(Verdict.Kind.RETRY, effective.delaySecondsAfter(Math.max(1, attempt)));
  }
}
