package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetryJobTest {

  @Test
  void theRetryRunsTheFailedIndexesWithTheSameSpec() {
    Job failed = finished("crunch", JobPhase.Failed, "3,17,40-49");
    failed.getSpec().setSuspend(true);

    Job retry = RetryJob.of(failed, name -> false);

    assertThat(retry.getMetadata().getName()).isEqualTo("crunch-retry-1");
    assertThat(retry.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(retry.getMetadata().getLabels()).containsExactlyEntriesOf(Map.of("app", "crunch"));
    assertThat(retry.getMetadata().getAnnotations())
        .containsExactlyEntriesOf(Map.of(RetryJob.RETRY_OF_ANNOTATION, "crunch"));
    assertThat(retry.getMetadata().getResourceVersion()).isNull();
    assertThat(retry.getMetadata().getUid()).isNull();
    assertThat(retry.getStatus()).isNull();
    JobSpec spec = retry.getSpec();
    assertThat(spec.getTasks().getIndexes()).isEqualTo("3,17,40-49");
    assertThat(spec.getTasks().getCount()).isEqualTo(100);
    assertThat(spec.getSuspend()).isFalse();
    assertThat(spec.getHandler()).isEqualTo("exec");
    assertThat(spec.getCommand()).containsExactly("sh", "-c", "exit 3");
    assertThat(spec.getParameters().get("size").asInt()).isEqualTo(7);
    assertThat(spec.getPool()).isEqualTo("big");
    assertThat(spec.getMaxAttempts()).isEqualTo(5);
    assertThat(spec.getBackoff().getInitialSeconds()).isEqualTo(2);
    assertThat(spec.getTaskTimeoutSeconds()).isEqualTo(60);
    assertThat(spec.getMaxFailedTasks()).isEqualTo(10);
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(3600L);
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(600);
    assertThat(spec.getParallelism()).isEqualTo(8);
    assertThat(spec.getFailurePolicy().getRules()).hasSize(1);
  }

  @Test
  void theFinishedJobIsLeftAsItWas() {
    Job failed = finished("crunch", JobPhase.Failed, "3");
    RetryJob.of(failed, name -> false).getSpec().getParameters().put("size", 8);
    assertThat(failed.getSpec().getTasks().getIndexes()).isNull();
    assertThat(failed.getSpec().getParameters().get("size").asInt()).isEqualTo(7);
  }

  @Test
  void aRetryOfARetryKeepsTheOriginalNumbering() {
    Job retry1 = finished("crunch-retry-1", JobPhase.Failed, "17,45");
    retry1.getSpec().getTasks().setIndexes("3,17,40-49");
    assertThat(RetryJob.of(retry1, n -> false).getSpec().getTasks().getIndexes())
        .isEqualTo("17,45");
  }

  @Test
  void aSucceededJobWithFailedTasksCanBeRetried() {
    assertThat(RetryJob.of(finished("lenient", JobPhase.Succeeded, "4"), n -> false).getSpec())
        .extracting(s -> s.getTasks().getIndexes())
        .isEqualTo("4");
  }

  @Test
  void theNameIsTheFirstFreeNumber() {
    Set<String> taken = Set.of("crunch-retry-1", "crunch-retry-2", "crunch-retry-4");
    assertThat(RetryJob.retryName("crunch", taken::contains)).isEqualTo("crunch-retry-3");
  }

  @ParameterizedTest
  @EnumSource(
      value = JobPhase.class,
      names = {"Pending", "Running", "Suspended"})
  void anUnfinishedJobCannotBeRetried(JobPhase phase) {
    assertThatThrownBy(() -> RetryJob.of(finished("crunch", phase, "3"), n -> false))
        .isInstanceOf(RetryJob.NotRetryable.class)
        .hasMessage(
            "job.fanout.dev/crunch is "
                + phase
                + ": only a finished Job (Succeeded or Failed) can be retried");
  }

  @Test
  void aJobWithoutStatusCannotBeRetried() {
    Job job = finished("crunch", JobPhase.Failed, "3");
    job.setStatus(null);
    assertThatThrownBy(() -> RetryJob.of(job, n -> false))
        .hasMessageContaining("job.fanout.dev/crunch is not started");
  }

  @Test
  void aJobWithNoFailedIndexesCannotBeRetried() {
    assertThatThrownBy(() -> RetryJob.of(finished("crunch", JobPhase.Succeeded, null), n -> false))
        .isInstanceOf(RetryJob.NotRetryable.class)
        .hasMessage("job.fanout.dev/crunch is Succeeded with no failed tasks: nothing to retry");
    assertThatThrownBy(() -> RetryJob.of(finished("crunch", JobPhase.Failed, ""), n -> false))
        .hasMessageContaining("no failed tasks");
  }

  static Job finished(String name, JobPhase phase, String failedIndexes) {
    Job job = new Job();
    job.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team-a")
            .withUid("0b5e-uid")
            .withResourceVersion("42")
            .withGeneration(2L)
            .withLabels(Map.of("app", "crunch"))
            .withAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"))
            .build());
    JobSpec spec = new JobSpec();
    spec.setHandler("exec");
    spec.setTasks(TaskSource.ofCount(100));
    spec.setCommand(List.of("sh", "-c", "exit 3"));
    spec.setParameters(JsonNodeFactory.instance.objectNode().put("size", 7));
    spec.setPool("big");
    spec.setMaxAttempts(5);
    Backoff backoff = new Backoff();
    backoff.setInitialSeconds(2);
    spec.setBackoff(backoff);
    spec.setTaskTimeoutSeconds(60);
    spec.setMaxFailedTasks(10);
    spec.setActiveDeadlineSeconds(3600L);
    spec.setTtlSecondsAfterFinished(600);
    spec.setParallelism(8);
    FailurePolicy policy = new FailurePolicy();
    FailurePolicyRule rule = new FailurePolicyRule();
    policy.setRules(List.of(rule));
    spec.setFailurePolicy(policy);
    job.setSpec(spec);
    JobStatus status = new JobStatus();
    status.setPhase(phase);
    status.setFailedIndexes(failedIndexes);
    job.setStatus(status);
    return job;
  }
}
