package dev.fanout.worker;

import dev.fanout.api.Backoff;
import dev.fanout.api.FailurePolicy;
import dev.fanout.api.FailurePolicyRule;
import dev.fanout.worker.spi.TaskResult;
import java.util.List;

/**
 * Decides what follows an attempt: done, or another attempt after the Job's backoff (invariant 3),
 * as the first rule of the Job's failure policy that matches a failed attempt's exit code says.
 * Pure.
 */
final class AttemptPolicy {
  /**
   * The longest an SQS message can be sent delayed: an ignored attempt's copy waits at most this.
   */
  static final int MAX_IGNORE_DELAY_SECONDS = 900;

  private AttemptPolicy() {}

  /**
   * @param retryDelaySeconds for a retry or an ignored attempt: how long until the next attempt
   * @param rule for a verdict a failure-policy rule made: which ({@code
   *     spec.failurePolicy.rules[0]}); else null
   */
  record Verdict(Kind kind, int retryDelaySeconds, String rule) {
    Verdict(Kind kind, int retryDelaySeconds) {
      this(kind, retryDelaySeconds, null);
    }

    enum Kind {
      SUCCEEDED,
      RETRY,
      /** The attempt does not count; the task runs again. */
      IGNORED,
      FAILED,
      /** The task failed, and with it the Job. */
      FAILED_JOB
    }
  }

  static Verdict after(TaskResult result, int attempt, int maxAttempts, Backoff backoff) {
    return after(result, attempt, maxAttempts, backoff, null);
  }

  static Verdict after(
      TaskResult result, int attempt, int maxAttempts, Backoff backoff, FailurePolicy policy) {
    if (result.succeeded()) {
      return new Verdict(Verdict.Kind.SUCCEEDED, 0);
    }
    Backoff effective = backoff == null ? new Backoff() : backoff;
    int matched = firstMatch(policy, result.exitCode());
    if (matched >= 0) {
      String rule = "spec.failurePolicy.rules[" + matched + "]";
      switch (policy.getRules().get(matched).getAction()) {
        case FailJob -> {
          return new Verdict(Verdict.Kind.FAILED_JOB, 0, rule);
        }
        case FailIndex -> {
          return new Verdict(Verdict.Kind.FAILED, 0, rule);
        }
        case Ignore -> {
          int delay = effective.delaySecondsAfter(Math.max(1, attempt));
          return new Verdict(Verdict.Kind.IGNORED, Math.min(MAX_IGNORE_DELAY_SECONDS, delay), rule);
        }
        case Count -> {
          // An ordinary failed attempt, below.
        }
      }
    }
    if (!result.retryable() || attempt >= maxAttempts) {
      return new Verdict(Verdict.Kind.FAILED, 0);
    }
    return new Verdict(Verdict.Kind.RETRY, effective.delaySecondsAfter(Math.max(1, attempt)));
  }

  /** The index of the first rule matching the exit code, or -1 (none, or no exit code). */
  static int firstMatch(FailurePolicy policy, Integer exitCode) {
    if (policy == null || exitCode == null) {
      return -1;
    }
    List<FailurePolicyRule> rules = policy.getRules();
    for (int i = 0; rules != null && i < rules.size(); i++) {
      FailurePolicyRule rule = rules.get(i);
      if (rule != null && rule.getAction() != null && rule.matches(exitCode)) {
        return i;
      }
    }
    return -1;
  }
}
