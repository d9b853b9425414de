package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.TaskFailure;
import dev.fanout.operator.db.TaskRow;
import dev.fanout.operator.db.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jobs run to the end by the real operator and real workers, checked as a user would. */
class EndToEndIT {
  static final Duration WAIT = Duration.ofMinutes(2);

  @Test
  void aThousandTaskNoopJobSucceedsWithEveryIndexAndEveryRowRecorded() {
    try (LocalFanout fanout = new LocalFanout(3, 4)) {
      String uid = fanout.create(LocalFanout.job("thousand", "noop", 1000)).getMetadata().getUid();

      await().atMost(WAIT).until(() -> fanout.phase("thousand") == JobPhase.Succeeded);
      Job job = fanout.get("thousand");
      assertThat(job.getStatus().getCompletedIndexes()).isEqualTo("0-999");
      assertThat(job.getStatus().getFailedIndexes()).isNull();
      assertThat(job.getStatus().getSucceeded()).isEqualTo(1000);
      assertThat(job.getStatus().getFailed()).isZero();
      assertThat(job.getStatus().getProgress()).isEqualTo("1000/1000");
      assertThat(job.getStatus().isTrue(JobCondition.COMPLETE)).isTrue();
      assertThat(job.getStatus().getCompletionTime()).isNotNull();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                List<TaskRow> rows = fanout.operator.store().rows(uid);
                assertThat(rows).hasSize(1000);
                assertThat(rows)
                    .allSatisfy(r -> assertThat(r.getState()).isEqualTo(TaskState.SUCCEEDED));
                assertThat(rows).allSatisfy(r -> assertThat(r.getAttempts()).isEqualTo(1));
                assertThat(rows).allSatisfy(r -> assertThat(r.getStartedAt()).isNotNull());
              });
      System.out.printf(
          "1,000 noop tasks, 3 workers: %.0f status writes (%.1f per 1,000 tasks), %.0f conflicts%n",
          fanout.statusWrites(), fanout.statusWrites(), fanout.statusConflicts());
      assertThat(fanout.statusWrites()).as("writes are coalesced").isLessThan(500);
    }
  }

  @Test
  void byDefaultShortTasksTravelManyToAMessageAndEachStillCountsOnce() {
    try (LocalFanout fanout = new LocalFanout(2, 4)) {
      // Nothing known of noop tasks yet: the first few go alone, and the rest as soon as their
      // outcomes say how short they are (without that probe, the fan-out would have sent
      // thousands alone before the first outcome came back).
      double messagesBefore = sentMessages(fanout);
      String uid = fanout.create(LocalFanout.job("packed", "noop", 5000)).getMetadata().getUid();

      await().atMost(WAIT).until(() -> fanout.phase("packed") == JobPhase.Succeeded);
      Job job = fanout.get("packed");
      assertThat(job.getStatus().getCompletedIndexes()).isEqualTo("0-4999");
      assertThat(job.getStatus().getSucceeded()).isEqualTo(5000);
      double messages = sentMessages(fanout) - messagesBefore;
      System.out.printf(
          "5,000 noop tasks, automatic packing: %.0f messages, %.0f status writes in all%n",
          messages, fanout.statusWrites());
      assertThat(messages).as("messages sent for 5,000 tasks").isLessThanOrEqualTo(500);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(fanout.operator.store().rows(uid))
                      .hasSize(5000)
                      .allSatisfy(
                          r -> {
                            assertThat(r.getState()).isEqualTo(TaskState.SUCCEEDED);
                            assertThat(r.getAttempts()).isEqualTo(1);
                          }));
    }
  }

  private static double sentMessages(LocalFanout fanout) {
    var counter = fanout.operator.registry().find("fanout_task_messages_sent").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aTaskThatKeepsFailingFailsTheJobWithItsMessageInStatusAndRow() {
    try (LocalFanout fanout = new LocalFanout(2, 4)) {
      Job job = LocalFanout.job("failing", "fail", 20);
      job.getSpec()
          .setParameters(
              JsonNodeFactory.instance
                  .objectNode()
                  .set("failIndexes", JsonNodeFactory.instance.arrayNode().add(3)));
      job.getSpec().setMaxAttempts(2);
      job.getSpec().setBackoff(new dev.fanout.api.Backoff(0, 1.0, 0));
      job.getSpec().setParallelism(4);
      String uid = fanout.create(job).getMetadata().getUid();

      await().atMost(WAIT).until(() -> fanout.phase("failing") == JobPhase.Failed);
      Job seen = fanout.get("failing");
      JobCondition failed = seen.getStatus().condition(JobCondition.FAILED);
      assertThat(failed.getReason()).isEqualTo("MaxFailedTasksExceeded");
      assertThat(seen.getStatus().getFailedIndexes()).isEqualTo("3");
      TaskFailure failure = seen.getStatus().getFailures().get(0);
      assertThat(failure.getIndex()).isEqualTo(3);
      assertThat(failure.getAttempts()).isEqualTo(2);
      assertThat(failure.getMessage()).isNotBlank();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                TaskRow row = fanout.operator.store().rows(uid).get(3);
                assertThat(row.getState()).isEqualTo(TaskState.FAILED);
                assertThat(row.getAttempts()).isEqualTo(2);
                assertThat(row.getLastError()).contains(failure.getMessage());
              });
      Map<TaskState, Long> states = fanout.operator.store().countByState(uid);
      assertThat(states.get(TaskState.FAILED)).isEqualTo(1L);
      assertThat(states.keySet()).doesNotContain(TaskState.PENDING, TaskState.SENT);
    }
  }
}
