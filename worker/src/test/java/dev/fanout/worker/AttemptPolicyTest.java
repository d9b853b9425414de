package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Backoff;
import dev.fanout.api.ExitCodes;
import dev.fanout.api.FailurePolicy;
import dev.fanout.api.FailurePolicyRule;
import dev.fanout.worker.AttemptPolicy.Verdict;
import dev.fanout.worker.spi.TaskResult;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@SuppressWarnings("unchecked")
class AttemptPolicyTest {

  @ParameterizedTest(name = "{0} on attempt {1} of {2} -> {3} after {4} s")
  @CsvSource({
    "success,   1, 3, SUCCEEDED, 0",
    "success,   3, 3, SUCCEEDED, 0",
    "failure,   1, 3, RETRY,     1",
    "failure,   2, 3, RETRY,     2",
    "failure,   3, 3, FAILED,    0",
    "failure,   5, 3, FAILED,    0",
    "failure,   1, 1, FAILED,    0",
    "permanent, 1, 3, FAILED,    0",
  })
  void decides(String what, int attempt, int max, Verdict.Kind kind, int delay) {
    TaskResult result =
        switch (what) {
          case "success" -> TaskResult.success();
          case "failure" -> TaskResult.failure("Error", "boom");
          default -> TaskResult.permanentFailure("InvalidParameters", "bad");
        };
    assertThat(AttemptPolicy.after(result, attempt, max, new Backoff(1, 2.0, 300)))
        .isEqualTo(new Verdict(kind, delay));
  }

  @ParameterizedTest(name = "attempt {0} waits {1} s")
  @CsvSource({"1, 10", "2, 30", "3, 90", "4, 100"})
  void retriesFollowTheJobsBackoff(int attempt, int delay) {
    Verdict verdict =
        AttemptPolicy.after(
            TaskResult.failure("Error", ""), attempt, 10, new Backoff(10, 3.0, 100));
    assertThat(verdict.retryDelaySeconds()).isEqualTo(delay);
  }

  @ParameterizedTest(name = "no backoff in the message: attempt {0} waits {1} s")
  @CsvSource({"1, 1", "2, 2", "3, 4"})
  void aMissingBackoffMeansTheDefault(int attempt, int delay) {
    Verdict verdict = AttemptPolicy.after(TaskResult.failure("Error", ""), attempt, 10, null);
    assertThat(verdict.retryDelaySeconds()).isEqualTo(delay);
  }

  static FailurePolicy policy(Object... actionOperatorValues) {
    List<FailurePolicyRule> rules = new java.util.ArrayList<>();
    for (int i = 0; i < actionOperatorValues.length; i += 3) {
      rules.add(
          new FailurePolicyRule(
              (FailurePolicyRule.Action) actionOperatorValues[i],
              new ExitCodes(
                  (ExitCodes.Operator) actionOperatorValues[i + 1],
                  (List<Integer>) actionOperatorValues[i + 2])));
    }
    return new FailurePolicy(rules);
  }

  static final FailurePolicy RULES =
      policy(
          FailurePolicyRule.Action.FailJob,
          ExitCodes.Operator.In,
          List.of(42),
          FailurePolicyRule.Action.Ignore,
          ExitCodes.Operator.In,
          List.of(143, 137),
          FailurePolicyRule.Action.Count,
          ExitCodes.Operator.In,
          List.of(3),
          FailurePolicyRule.Action.FailIndex,
          ExitCodes.Operator.NotIn,
          List.of(1, 2));

  @ParameterizedTest(name = "exit code {0} on attempt {1} of 3 -> {2} by rule {3}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "42,   1, FAILED_JOB, 0,    0",
        "143,  1, IGNORED,    1,    1",
        "137,  3, IGNORED,    1,    4",
        "3,    1, RETRY,      NULL, 1",
        "3,    3, FAILED,     NULL, 0",
        "9,    1, FAILED,     3,    0",
        "1,    1, RETRY,      NULL, 1",
        "2,    3, FAILED,     NULL, 0",
        "NULL, 1, RETRY,      NULL, 1",
      })
  void theFirstMatchingRuleDecides(
      Integer exitCode, int attempt, Verdict.Kind kind, Integer rule, int delay) {
    TaskResult result =
        exitCode == null
            ? TaskResult.failure("Timeout", "timed out")
            : TaskResult.exited(exitCode, "exit code " + exitCode);
    assertThat(AttemptPolicy.after(result, attempt, 3, new Backoff(1, 2.0, 300), RULES))
        .isEqualTo(
            new Verdict(
                kind, delay, rule == null ? null : "spec.failurePolicy.rules[" + rule + "]"));
  }

  @org.junit.jupiter.api.Test
  void withoutAPolicyAnExitCodeIsAnOrdinaryFailure() {
    assertThat(AttemptPolicy.after(TaskResult.exited(42, "x"), 1, 3, null, null))
        .isEqualTo(new Verdict(Verdict.Kind.RETRY, 1));
  }

  @org.junit.jupiter.api.Test
  void anIgnoredAttemptWaitsAtMostWhatSqsCanDelayAMessage() {
    FailurePolicy ignore =
        policy(FailurePolicyRule.Action.Ignore, ExitCodes.Operator.In, List.of(143));
    assertThat(
            AttemptPolicy.after(
                    TaskResult.exited(143, "x"), 5, 10, new Backoff(300, 2.0, 43200), ignore)
                .retryDelaySeconds())
        .isEqualTo(AttemptPolicy.MAX_IGNORE_DELAY_SECONDS);
  }
}
