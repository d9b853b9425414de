package dev.fanout.operator.smoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.testing.ConfigurationDocs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmokeTestVerdictTest {

  private static Job job(JobPhase phase, int succeeded, int failed, JobCondition... conditions) {
    JobStatus status = new JobStatus();
    status.setPhase(phase);
    status.setTotal(10);
    status.setSucceeded(succeeded);
    status.setFailed(failed);
    status.setProgress((succeeded + failed) + "/10");
    status.setConditions(List.of(conditions));
    Job job = new Job();
    job.setStatus(status);
    return job;
  }

  @Test
  void aCompleteJobPassesWithTheConditionsWords() {
    SmokeTestVerdict verdict =
        SmokeTestVerdict.of(
            job(
                JobPhase.Succeeded,
                10,
                0,
                new JobCondition(
                    JobCondition.COMPLETE, "True", "AllTasksFinished", "all 10 tasks succeeded")));

    assertThat(verdict.exitCode()).isZero();
    assertThat(verdict.line()).isEqualTo("Complete: AllTasksFinished: all 10 tasks succeeded");
  }

  @Test
  void aFailedJobFailsWithTheConditionsReasonAndMessage() {
    SmokeTestVerdict verdict =
        SmokeTestVerdict.of(
            job(
                JobPhase.Failed,
                0,
                1,
                new JobCondition(
                    JobCondition.FAILED, "True", "MaxFailedTasksExceeded", "1 task failed")));

    assertThat(verdict.exitCode()).isEqualTo(1);
    assertThat(verdict.line()).isEqualTo("Failed: MaxFailedTasksExceeded: 1 task failed");
  }

  @Test
  void aJobGoneFails() {
    assertThat(SmokeTestVerdict.of(null).exitCode()).isEqualTo(1);
    assertThat(SmokeTestVerdict.of(null).line()).contains("gone");
  }

  @Test
  void whileItRunsTheLineIsThePhaseAndProgressAndNoExitCode() {
    assertThat(SmokeTestVerdict.of(new Job()))
        .isEqualTo(new SmokeTestVerdict("no status yet", null));
    assertThat(SmokeTestVerdict.of(job(JobPhase.Running, 3, 0)))
        .isEqualTo(new SmokeTestVerdict("Running 3/10", null));
    assertThat(SmokeTestVerdict.of(job(JobPhase.Running, 3, 1)))
        .isEqualTo(new SmokeTestVerdict("Running 4/10, 1 failed", null));
    assertThat(
            SmokeTestVerdict.of(
                job(
                    JobPhase.Running,
                    3,
                    0,
                    new JobCondition(JobCondition.COMPLETE, "False", null, null))))
        .extracting(SmokeTestVerdict::finished)
        .isEqualTo(false);
  }

  @Test
  void aTimeoutNamesThePartThatDidNotDoItsShare() {
    assertThat(SmokeTestVerdict.stalled(new Job(), "default")).contains("is the operator running");
    assertThat(SmokeTestVerdict.stalled(job(JobPhase.Running, 0, 0), "gpu"))
        .contains("are workers of pool \"gpu\" running");
    assertThat(SmokeTestVerdict.stalled(job(JobPhase.Running, 4, 0), "default")).contains("slowly");
  }

  @Test
  void withNothingSetItRunsInTheKubeconfigsNamespaceOnTheDefaultPoolForTwoMinutes() {
    SmokeTestConfig config = SmokeTestConfig.from(new Env(Map.of()));

    assertThat(config).isEqualTo(new SmokeTestConfig(null, "default", Duration.ofSeconds(120)));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          FANOUT_SMOKE_TIMEOUT_SECONDS | 0     | FANOUT_SMOKE_TIMEOUT_SECONDS: must be between 1 and 86400, was 0
          FANOUT_SMOKE_TIMEOUT_SECONDS | soon  | FANOUT_SMOKE_TIMEOUT_SECONDS: must be a whole number
          FANOUT_SMOKE_POOL            | GPU_1 | FANOUT_SMOKE_POOL: must be 1-40 lowercase letters
          """)
  void aBadSettingStopsItNamingTheVariable(String variable, String value, String message) {
    assertThatThrownBy(() -> SmokeTestConfig.from(new Env(Map.of(variable, value))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void everySettingIsInTheConfigurationDocs() {
    assertThat(
            ConfigurationDocs.undocumented(SmokeTestConfig.SETTINGS, "## Smoke test (`helm test`)"))
        .isEmpty();
  }
}
