package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.IndexSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {

  @Test
  void aTaskInFlightCannotStartAgainUntilItEnds() {
    TaskLedger ledger = new TaskLedger();
    assertThat(ledger.tryStart("a", 1)).isTrue();
    assertThat(ledger.tryStart("a", 1)).isFalse();
    assertThat(ledger.tryStart("a", 2)).isTrue();
    assertThat(ledger.tryStart("b", 1)).isTrue();

    ledger.abandon("a", 1);
    assertThat(ledger.tryStart("a", 1)).isTrue();
  }

  @Test
  void recordedIndexesAreRememberedPerJob() {
    TaskLedger ledger = new TaskLedger();
    ledger.tryStart("a", 1);
    ledger.tryStart("a", 2);
    ledger.recorded("a", List.of(1, 2));
    ledger.recorded("a", List.of(3));

    assertThat(ledger.recorded("a")).isEqualTo(IndexSet.range(1, 3));
    assertThat(ledger.recorded("b")).isEqualTo(IndexSet.EMPTY);
    assertThat(ledger.inFlight()).isZero();

    ledger.forget("a", List.of());
    assertThat(ledger.recorded("a")).isEqualTo(IndexSet.EMPTY);
  }
}
