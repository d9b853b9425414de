package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.IndexSet;
import dev.fanout.common.queue.TaskMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {
  private static int receipts;

  private static Delivery delivery(String uid, int index) {
    TaskMessage task =
        new TaskMessage(1, uid, "ns", "job", index, 10, "noop", null, null, 3, 60, null, 0);
    String receipt = "r" + receipts++;
    return new Delivery("m-" + receipt, receipt, task, 1, 0, 0);
  }

  @Test
  void aTaskInFlightCannotStartAgainUntilItEnds() {
    TaskLedger ledger = new TaskLedger();
    assertThat(ledger.startOrHold(delivery("a", 1))).isTrue();
    assertThat(ledger.startOrHold(delivery("a", 1))).isFalse();
    assertThat(ledger.startOrHold(delivery("a", 2))).isTrue();
    assertThat(ledger.startOrHold(delivery("b", 1))).isTrue();

    assertThat(ledger.abandon("a", 1)).hasSize(1);
    assertThat(ledger.startOrHold(delivery("a", 1))).isTrue();
  }

  @Test
  void copiesOfATaskInFlightWaitForItAndAreHandedBackWhenItIsRecorded() {
    TaskLedger ledger = new TaskLedger();
    Delivery first = delivery("a", 1);
    Delivery copy = delivery("a", 1);
    Delivery another = delivery("a", 1);
    ledger.startOrHold(first);
    ledger.startOrHold(copy);
    ledger.startOrHold(another);
    assertThat(ledger.heldCopies()).isEqualTo(2);

    assertThat(ledger.recorded("a", List.of(1, 2))).containsExactly(copy, another);
    assertThat(ledger.heldCopies()).isZero();
    assertThat(ledger.recorded("a", List.of(1))).isEmpty();
  }

  @Test
  void recordedIndexesAreRememberedPerJobUntilItIsForgotten() {
    TaskLedger ledger = new TaskLedger();
    ledger.startOrHold(delivery("a", 1));
    ledger.startOrHold(delivery("a", 2));
    ledger.recorded("a", List.of(1, 2));
    ledger.recorded("a", List.of(3));

    assertThat(ledger.recorded("a")).isEqualTo(IndexSet.range(1, 3));
    assertThat(ledger.recorded("b")).isEqualTo(IndexSet.EMPTY);
    assertThat(ledger.inFlight()).isZero();

    ledger.forget("a", List.of());
    assertThat(ledger.recorded("a")).isEqualTo(IndexSet.EMPTY);
  }
}
