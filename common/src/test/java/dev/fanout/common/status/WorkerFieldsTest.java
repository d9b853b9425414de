package dev.fanout.common.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerFieldsTest {

  static JobStatus status(String completed, String failed, int total) {
    JobStatus s = new JobStatus();
    s.setCompletedIndexes(completed);
    s.setFailedIndexes(failed);
    s.setTotal(total);
    return s;
  }

  @Test
  void mergesIntoTheIntervalFormAndDerivesTheCounts() {
    WorkerFields merged =
        WorkerFields.of(status("0-3", null, 10), 0)
            .merge(
                List.of(
                    Finished.success(4, 1),
                    Finished.success(7, 1),
                    Finished.failure(9, 3, "Error", "boom")));
    assertThat(merged.completed().format()).isEqualTo("0-4,7");
    assertThat(merged.failedSet().format()).isEqualTo("9");
    assertThat(merged.succeeded()).isEqualTo(6);
    assertThat(merged.failed()).isEqualTo(1);
    assertThat(merged.progress()).isEqualTo("7/10");
    assertThat(merged.failures()).containsExactly(new TaskFailure(9, 3, "Error", "boom"));
  }

  @Test
  void aTaskCountsOnceAndKeepsItsFirstVerdict() {
    WorkerFields current = WorkerFields.of(status("0-3", "5", 10), 0);
    WorkerFields merged =
        current.merge(
            List.of(
                Finished.success(2, 2),
                Finished.success(5, 2),
                Finished.failure(3, 1, "Error", "late copy"),
                Finished.success(6, 1),
                Finished.failure(6, 1, "Error", "same batch, second copy")));
    assertThat(merged.completed().format()).isEqualTo("0-3,6");
    assertThat(merged.failedSet().format()).isEqualTo("5");
    assertThat(merged.succeeded() + merged.failed()).isEqualTo(6);
  }

  @Test
  void nothingNewMeansNothingToWrite() {
    WorkerFields current = WorkerFields.of(status("0-3", null, 10), 0);
    assertThat(current.merge(List.of(Finished.success(1, 1)))).isSameAs(current);
  }

  @Test
  void keepsTheNewestTwentyFailures() {
    List<Finished> batch = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      batch.add(Finished.failure(i, 1, "Error", "task " + i));
    }
    WorkerFields merged = WorkerFields.of(null, 100).merge(batch);
    assertThat(merged.failures()).hasSize(20);
    assertThat(merged.failures().get(0).getIndex()).isEqualTo(5);
    assertThat(merged.failures().get(19).getIndex()).isEqualTo(24);
    assertThat(merged.failedSet().format()).isEqualTo("0-24");
    assertThat(merged.asStatusPatch()).containsEntry("progress", "25/100");
  }

  @Test
  void aHundredThousandTasksInRandomOrderStayASmallStatus() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, new java.util.Random(7));
    WorkerFields fields = WorkerFields.of(null, 100_000);
    for (int from = 0; from < order.size(); from += 100) {
      List<Finished> batch = new ArrayList<>();
      for (int index : order.subList(from, from + 100)) {
        batch.add(Finished.success(index, 1));
      }
      fields = fields.merge(batch);
    }
    assertThat(fields.completed().format()).isEqualTo("0-99999");
    assertThat(fields.progress()).isEqualTo("100000/100000");
  }

  @Test
  void theFailureThatFailedTheJobByItsPolicyStaysAmongTheFailuresWhateverFollows() {
    WorkerFields fields = WorkerFields.of(null, 100);
    fields = fields.merge(List.of(Finished.failure(0, 1, "Error", "first")));
    fields =
        fields.merge(
            List.of(Finished.failure(5, 1, Reasons.FAILURE_POLICY, "exit code 42 matched")));
    List<Finished> many = new ArrayList<>();
    for (int i = 10; i < 60; i++) {
      many.add(Finished.failure(i, 1, "Error", "later " + i));
    }
    fields = fields.merge(many);

    assertThat(fields.failures()).hasSize(JobStatus.MAX_FAILURES);
    assertThat(fields.failures().get(0).getIndex()).isEqualTo(5);
    assertThat(fields.failures().get(0).getReason()).isEqualTo(Reasons.FAILURE_POLICY);
    assertThat(fields.failures().subList(1, JobStatus.MAX_FAILURES))
        .extracting(TaskFailure::getIndex)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(41, 60).boxed().toList());
    assertThat(fields.failed()).isEqualTo(52);
  }
}
