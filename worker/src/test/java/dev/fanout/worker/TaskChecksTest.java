package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.Backoff;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.Messages.BadMessageException;
import dev.fanout.common.queue.TaskMessage;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TaskChecksTest {
  private static final String UID = "0b6f3c1e-4f7a-4c1e-9d8e-0a1b2c3d4e5f";

  private static TaskMessage task(String uid, String namespace, String name, int index, int prior) {
    return new TaskMessage(
        1, uid, namespace, name, index, 20, "noop", null, null, 3, 60, null, prior);
  }

  static List<Arguments> malformed() {
    return List.of(
        Arguments.of("empty UID", task("", "ns", "job", 1, 0)),
        Arguments.of("UID with a slash", task("a/b", "ns", "job", 1, 0)),
        Arguments.of("empty namespace", task(UID, "", "job", 1, 0)),
        Arguments.of("namespace with a path", task(UID, "../kube-system", "job", 1, 0)),
        Arguments.of("upper-case namespace", task(UID, "Team", "job", 1, 0)),
        Arguments.of("empty name", task(UID, "ns", "", 1, 0)),
        Arguments.of("name with a slash", task(UID, "ns", "a/b", 1, 0)),
        Arguments.of("name too long", task(UID, "ns", "a".repeat(254), 1, 0)),
        Arguments.of("negative index", task(UID, "ns", "job", -1, 0)),
        Arguments.of("negative prior attempts", task(UID, "ns", "job", 1, -2)),
        Arguments.of("prior attempts past any limit", task(UID, "ns", "job", 1, 101)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMessageNamingNoPossibleTaskIsBad(String name, TaskMessage task) {
    assertThatThrownBy(() -> TaskChecks.wellFormed(task)).isInstanceOf(BadMessageException.class);
  }

  @org.junit.jupiter.api.Test
  void aWellFormedMessagePasses() {
    TaskChecks.wellFormed(task(UID, "team-a", "nightly.report-7", 0, 0));
    TaskChecks.wellFormed(task("uid-1", "ns", "job", 99_999, 100));
  }

  @org.junit.jupiter.api.Test
  void onlyTheJobsIndexesAreTasks() {
    JobSpec count = new JobSpec();
    count.setTasks(TaskSource.ofCount(20));
    assertThat(TaskChecks.hasTask(count, 0)).isTrue();
    assertThat(TaskChecks.hasTask(count, 19)).isTrue();
    assertThat(TaskChecks.hasTask(count, 20)).isFalse();
    assertThat(TaskChecks.hasTask(count, 25)).isFalse();
    assertThat(TaskChecks.hasTask(count, -1)).isFalse();
    assertThat(TaskChecks.hasTask(null, 0)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aJobWithTasksIndexesHasOnlyThoseTasks() {
    JobSpec spec = new JobSpec();
    spec.setTasks(TaskSource.ofCount(50));
    spec.getTasks().setIndexes("3,17,40-41");
    assertThat(java.util.stream.IntStream.range(-1, 60).filter(i -> TaskChecks.hasTask(spec, i)))
        .containsExactly(3, 17, 40, 41);
    spec.getTasks().setIndexes("3,x");
    assertThat(TaskChecks.hasTask(spec, 3))
        .as("indexes the operator refuses run nothing")
        .isFalse();
  }

  @org.junit.jupiter.api.Test
  void theSpecDecidesWhatRunsAndLimitsOutsideTheCrdsRangesAreReplaced() {
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(20));
    spec.setMaxAttempts(5);
    spec.setTaskTimeoutSeconds(30);
    TaskMessage forged =
        new TaskMessage(
            1,
            UID,
            "ns",
            "job",
            3,
            1_000_000,
            "exec",
            List.of("rm", "-rf", "/"),
            null,
            1_000_000,
            -1,
            new Backoff(-5, 2.0, 60),
            0);

    TaskMessage trusted = TaskChecks.fromSpec(forged, spec);

    assertThat(trusted.handler()).isEqualTo("noop");
    assertThat(trusted.command()).isNull();
    assertThat(trusted.total()).isEqualTo(20);
    assertThat(trusted.maxAttempts()).isEqualTo(5);
    assertThat(trusted.timeoutSeconds()).isEqualTo(30);
    assertThat(trusted.backoff()).isNull();
    assertThat(trusted.index()).isEqualTo(3);
  }

  @org.junit.jupiter.api.Test
  void limitsWithinTheCrdsRangesStayAsSent() {
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(20));
    Backoff sent = new Backoff(2, 3.0, 90);
    TaskMessage task =
        new TaskMessage(1, UID, "ns", "job", 3, 20, "noop", null, null, 7, 120, sent, 0);

    TaskMessage trusted = TaskChecks.fromSpec(task, spec);

    assertThat(trusted.maxAttempts()).isEqualTo(7);
    assertThat(trusted.timeoutSeconds()).isEqualTo(120);
    assertThat(trusted.backoff()).isSameAs(sent);
  }
}
