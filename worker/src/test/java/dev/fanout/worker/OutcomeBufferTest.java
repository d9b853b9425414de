package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeBufferTest {

  static PendingOutcome done(String uid, int index) {
    TaskMessage task =
        new TaskMessage(1, uid, "ns", "job-" + uid, index, 100, "noop", null, null, 3, 60, null, 0);
    Delivery delivery = new Delivery("m" + index, "r-" + uid + "-" + index, task, 1, 0, 0);
    Outcome outcome =
        new Outcome(
            uid, "ns", "job-" + uid, index, 1, Outcome.Kind.SUCCEEDED, null, null, null, 0, 0, "w");
    return new PendingOutcome(delivery, Finished.success(index, 1), outcome);
  }

  static List<Integer> indexes(OutcomeBuffer.Batch batch) {
    return batch.outcomes().stream().map(o -> o.finished().index()).toList();
  }

  @Test
  void coalescesPerJobInArrivalOrder() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.add(done("a", 1));
    buffer.add(done("b", 7));
    buffer.add(done("a", 0));
    assertThat(buffer.add(done("a", 2))).isEqualTo(4);

    List<OutcomeBuffer.Batch> batches = buffer.drainDue(0);

    assertThat(batches).extracting(OutcomeBuffer.Batch::jobUid).containsExactly("a", "b");
    assertThat(indexes(batches.get(0))).containsExactly(1, 0, 2);
    assertThat(indexes(batches.get(1))).containsExactly(7);
    assertThat(buffer.size()).isZero();
    assertThat(buffer.drainDue(0)).isEmpty();
  }

  @Test
  void aFailedBatchComesBackFirstAfterAGrowingPause() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 1000);
    buffer.add(done("a", 1));
    OutcomeBuffer.Batch first = buffer.drainDue(0).get(0);
    buffer.add(done("a", 2));
    buffer.add(done("b", 3));

    buffer.putBack(first, 1_000);

    assertThat(buffer.size()).isEqualTo(3);
    // Job a waits out its pause; Job b does not.
    List<OutcomeBuffer.Batch> due = buffer.drainDue(1_050);
    assertThat(due).extracting(OutcomeBuffer.Batch::jobUid).containsExactly("b");
    OutcomeBuffer.Batch retried = buffer.drainDue(1_100).get(0);
    assertThat(indexes(retried)).containsExactly(1, 2);
    assertThat(retried.failures()).isEqualTo(1);

    buffer.putBack(retried, 2_000);
    assertThat(buffer.drainDue(2_199)).isEmpty();
    OutcomeBuffer.Batch third = buffer.drainDue(2_200).get(0);
    assertThat(third.failures()).isEqualTo(2);

    // The pause doubles up to its cap.
    OutcomeBuffer.Batch b = third;
    for (int i = 0; i < 10; i++) {
      buffer.putBack(b, 10_000);
      b = buffer.drainAll().get(0);
    }
    buffer.putBack(b, 10_000);
    assertThat(buffer.drainDue(10_999)).isEmpty();
    assertThat(buffer.drainDue(11_000)).hasSize(1);
  }

  @Test
  void drainAllIgnoresPauses() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.add(done("a", 1));
    buffer.putBack(buffer.drainDue(0).get(0), 0);
    assertThat(buffer.drainDue(1)).isEmpty();
    assertThat(buffer.drainAll()).hasSize(1);
    assertThat(buffer.size()).isZero();
  }

  @Test
  void aPacedJobIsHeldBackFromTheLoopButNotFromFlushNowOrShutdown() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.holdUntil("a", 1_000);
    buffer.add(done("a", 1));
    buffer.add(done("b", 2));

    assertThat(buffer.nextDueMillis()).isZero();
    assertThat(buffer.drainDue(999)).extracting(OutcomeBuffer.Batch::jobUid).containsExactly("b");
    assertThat(buffer.size()).as("held outcomes still count").isEqualTo(1);
    assertThat(buffer.nextDueMillis()).isEqualTo(1_000);
    assertThat(buffer.drainUnpaced(999)).hasSize(1);

    buffer.holdUntil("a", 1_000);
    buffer.add(done("a", 3));
    assertThat(buffer.drainAll()).hasSize(1);
  }

  @Test
  void aHoldEndsAndLeavesNothingBehind() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.holdUntil("a", 1_000);
    buffer.add(done("a", 1));

    assertThat(buffer.drainDue(999)).isEmpty();
    assertThat(indexes(buffer.drainDue(1_000).get(0))).containsExactly(1);
    assertThat(buffer.nextDueMillis()).isEqualTo(Long.MAX_VALUE);

    // An empty hold that has run out is not a batch.
    buffer.holdUntil("b", 5);
    assertThat(buffer.drainDue(10)).isEmpty();
    assertThat(buffer.nextDueMillis()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aWriteUnderWayTakesInWhatCameForItsJobHeldOrNot() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.holdUntil("a", 1_000);
    buffer.add(done("a", 1));
    buffer.add(done("b", 2));
    buffer.add(done("a", 3));

    List<PendingOutcome> taken = buffer.take("a");

    assertThat(taken).extracting(o -> o.finished().index()).containsExactly(1, 3);
    assertThat(buffer.size()).isEqualTo(1);
    assertThat(buffer.take("a")).isEmpty();
    assertThat(buffer.take("c")).isEmpty();
  }

  @Test
  void aBatchThatLostToOtherWritersComesBackFirstWithoutAnErrorPause() {
    OutcomeBuffer buffer = new OutcomeBuffer(100, 5000);
    buffer.add(done("a", 1));
    OutcomeBuffer.Batch lost = buffer.drainDue(0).get(0);
    buffer.add(done("a", 2));

    buffer.putBackContended(lost);

    assertThat(buffer.size()).isEqualTo(2);
    OutcomeBuffer.Batch again = buffer.drainDue(0).get(0);
    assertThat(indexes(again)).containsExactly(1, 2);
    assertThat(again.failures()).isZero();
  }
}
