package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Backoff;
import dev.fanout.worker.AttemptPolicy.Verdict;
import dev.fanout.worker.spi.TaskResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}
