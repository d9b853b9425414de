package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Backoff;
import dev.fanout.api.ExitCodes;
import dev.fanout.api.FailurePolicy;
import dev.fanout.api.FailurePolicyRule;
import dev.fanout.api.FailurePolicyRule.Action;
import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.operator.db.TaskRow;
import dev.fanout.operator.db.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.failurePolicy and spec.tasks.indexes with the real operator and two real workers: what ran
 * (each exec task appends its index to a file), what the status says, and the task rows.
 */
class FailurePolicyIT {
  static LocalFanout fanout;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
    fanout = new LocalFanout(2, 3);
  }

  @AfterAll
  static void stop() {
    Awaitility.reset();
    fanout.close();
  }

  static FailurePolicy rules(Object... actionOperatorValues) {
    List<FailurePolicyRule> rules = new ArrayList<>();
    for (int i = 0; i < actionOperatorValues.length; i += 3) {
      @SuppressWarnings("unchecked")
      List<Integer> values = (List<Integer>) actionOperatorValues[i + 2];
      rules.add(
          new FailurePolicyRule(
              (Action) actionOperatorValues[i],
              new ExitCodes((ExitCodes.Operator) actionOperatorValues[i + 1], values)));
    }
    return new FailurePolicy(rules);
  }

  /** An exec Job: each run appends the task's index to {@code runs}, then runs {@code script}. */
  static Job exec(String name, int count, Path runs, String script) {
    Job job = LocalFanout.job(name, "exec", count);
    job.getSpec()
        .setCommand(List.of("sh", "-c", "echo $FANOUT_TASK_INDEX >> " + runs + "; " + script));
    job.getSpec().setBackoff(new Backoff(0, 1.0, 0));
    return job;
  }

  static List<Integer> runsOf(Path runs, int index) {
    return LifecycleIT.runs(runs).stream().filter(i -> i == index).toList();
  }

  static JobStatus awaitPhase(String name, JobPhase phase) {
    await().until(() -> fanout.phase(name) == phase);
    return fanout.get(name).getStatus();
  }

  static TaskRow row(String uid, int index) {
    return fanout.operator.store().rows(uid).stream()
        .filter(r -> r.getTaskIndex() == index)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void exitCode42FailsTheJobWithinOneAttemptNamingTheRuleAndTheTask() {
    Path runs = dir.resolve("runs");
    Job job =
        exec(
            "fail-job",
            30,
            runs,
            "if [ $FANOUT_TASK_INDEX -eq 4 ]; then echo bad input; exit 42; fi; sleep 0.2");
    job.getSpec().setParallelism(3);
    job.getSpec().setMaxAttempts(5);
    job.getSpec().setMaxFailedTasks(10);
    job.getSpec().setFailurePolicy(rules(Action.FailJob, ExitCodes.Operator.In, List.of(42)));
    String uid = fanout.create(job).getMetadata().getUid();

    JobStatus status = awaitPhase("fail-job", JobPhase.Failed);
    JobCondition failed = status.condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("FailurePolicy");
    assertThat(failed.getMessage())
        .startsWith("task 4 failed: exit code 42 matched spec.failurePolicy.rules[0] (FailJob)")
        .contains("bad input");
    assertThat(status.getFailedIndexes()).isEqualTo("4");
    assertThat(runsOf(runs, 4)).as("one attempt, not maxAttempts").hasSize(1);
    assertThat(LifecycleIT.runs(runs)).hasSizeLessThan(30);
    await()
        .untilAsserted(
            () -> {
              assertThat(row(uid, 4).getState()).isEqualTo(TaskState.FAILED);
              assertThat(row(uid, 4).getAttempts()).isEqualTo(1);
              assertThat(fanout.operator.store().countByState(uid)).containsKey(TaskState.NOT_RUN);
            });
  }

  @Test
  void failIndexFailsThatTaskAloneAndNotInMatchesEveryOtherCode() {
    Path runs = dir.resolve("runs");
    // Task 3 exits 9: not 1 or 2, so FailIndex. Task 5 exits 1: no rule, an ordinary failure.
    Job job =
        exec(
            "fail-index",
            10,
            runs,
            "case $FANOUT_TASK_INDEX in 3) exit 9;; 5) exit 1;; esac; echo fine");
    job.getSpec().setMaxAttempts(3);
    job.getSpec().setMaxFailedTasks(2);
    job.getSpec()
        .setFailurePolicy(rules(Action.FailIndex, ExitCodes.Operator.NotIn, List.of(1, 2)));
    fanout.create(job);

    JobStatus status = awaitPhase("fail-index", JobPhase.Succeeded);
    assertThat(status.getCompletedIndexes()).isEqualTo("0-2,4,6-9");
    assertThat(status.getFailedIndexes()).isEqualTo("3,5");
    assertThat(runsOf(runs, 3)).as("FailIndex: no further attempt").hasSize(1);
    assertThat(runsOf(runs, 5)).as("no rule matched: all attempts").hasSize(3);
    assertThat(status.getFailures().stream().distinct())
        .extracting(TaskFailure::getIndex, TaskFailure::getReason, TaskFailure::getAttempts)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(3, "Error", 1),
            org.assertj.core.groups.Tuple.tuple(5, "Error", 3));
    assertThat(
            status.getFailures().stream()
                .filter(f -> f.getIndex() == 3)
                .findFirst()
                .orElseThrow()
                .getMessage())
        .startsWith("exit code 9 matched spec.failurePolicy.rules[0] (FailIndex); exit code 9");
  }

  @Test
  void ignoreOn143TriesAgainWithoutCountingTheAttempt() {
    Path runs = dir.resolve("runs");
    Path tries = dir.resolve("tries");
    // Task 0 is killed by SIGTERM on its first three runs, then succeeds.
    String script =
        "if [ $FANOUT_TASK_INDEX -eq 0 ]; then echo x >> "
            + tries
            + "; if [ $(wc -l < "
            + tries
            + ") -le 3 ]; then kill -TERM $$; fi; fi; echo ok";
    Job job = exec("ignore", 4, runs, script);
    job.getSpec().setMaxAttempts(1);
    job.getSpec().setFailurePolicy(rules(Action.Ignore, ExitCodes.Operator.In, List.of(143)));
    String uid = fanout.create(job).getMetadata().getUid();

    JobStatus status = awaitPhase("ignore", JobPhase.Succeeded);
    assertThat(status.getCompletedIndexes()).isEqualTo("0-3");
    assertThat(status.getFailedIndexes()).isNull();
    assertThat(runsOf(runs, 0)).as("three ignored attempts, then one that counts").hasSize(4);
    await().untilAsserted(() -> assertThat(row(uid, 0).getAttempts()).isEqualTo(1));
  }

  @Test
  void ignoredAttemptsStillCountTowardTheQueuesReceiveCeiling() {
    Path runs = dir.resolve("runs");
    // Its own Fanout: the queue dead-letters a task on its third delivery.
    try (LocalFanout small = new LocalFanout(1, 2, 3, TestDatabase.h2())) {
      Job job = exec("ignored-forever", 2, runs, "[ $FANOUT_TASK_INDEX -eq 1 ] || kill -TERM $$");
      job.getSpec().setMaxAttempts(1);
      job.getSpec().setMaxFailedTasks(1);
      job.getSpec().setFailurePolicy(rules(Action.Ignore, ExitCodes.Operator.In, List.of(143)));
      small.create(job);

      await().until(() -> small.phase("ignored-forever") == JobPhase.Succeeded);
      JobStatus status = small.get("ignored-forever").getStatus();
      assertThat(status.getFailedIndexes()).isEqualTo("0");
      assertThat(status.getCompletedIndexes()).isEqualTo("1");
      assertThat(runsOf(runs, 0)).as("stopped at the ceiling of 3 deliveries").hasSize(3);
      assertThat(status.getFailures().stream().distinct())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.getReason()).isEqualTo("DeadLettered");
                assertThat(f.getMessage())
                    .startsWith("delivered 3 times, the queue's receive ceiling");
              });
    }
  }

  @Test
  void aJobWithTasksIndexesRunsOnlyThoseCountedInTheOriginalNumbering() {
    Path runs = dir.resolve("runs");
    Job job = exec("some-indexes", 50, runs, "true");
    job.getSpec().getTasks().setIndexes("3,17,40-41");
    String uid = fanout.create(job).getMetadata().getUid();

    JobStatus status = awaitPhase("some-indexes", JobPhase.Succeeded);
    assertThat(status.getTotal()).isEqualTo(4);
    assertThat(status.getProgress()).isEqualTo("4/4");
    assertThat(status.getCompletedIndexes()).isEqualTo("3,17,40-41");
    List<Integer> ran = new ArrayList<>(LifecycleIT.runs(runs));
    Collections.sort(ran);
    assertThat(ran).containsExactly(3, 17, 40, 41);
    assertThat(fanout.operator.store().rows(uid))
        .extracting(TaskRow::getTaskIndex)
        .containsExactly(3, 17, 40, 41);
  }
}
