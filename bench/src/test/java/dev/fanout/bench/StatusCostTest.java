package dev.fanout.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.JobStatus;
import org.junit.jupiter.api.Test;

class StatusCostTest {
  @Test
  void tasksFinishingInRunsOfConsecutiveIndexesKeepTheStatusSmallerThanOneByOne() {
    JobStatus finished = new JobStatus();

    StatusCost.RandomOrder one = StatusCost.randomOrder(finished, 10_000, 1, 42);
    StatusCost.RandomOrder packed = StatusCost.randomOrder(finished, 10_000, 10, 42);

    assertThat(one.run()).isEqualTo(1);
    assertThat(packed.run()).isEqualTo(10);
    assertThat(packed.endStatusBytes()).isEqualTo(one.endStatusBytes());
    assertThat(packed.peakStatusBytes()).isLessThan(one.peakStatusBytes() / 3);
    assertThat(packed.peakAtDone()).isBetween(0.0, 1.0);
  }

  @Test
  void everyIndexIsReplayedOnceWhateverTheRunLength() {
    JobStatus finished = new JobStatus();

    // 1,005 is not a multiple of the run: the last run is short, and the end is one interval.
    StatusCost.RandomOrder packed = StatusCost.randomOrder(finished, 1_005, 10, 7);
    StatusCost.RandomOrder whole = StatusCost.randomOrder(finished, 1_005, 1_005, 7);

    assertThat(packed.endStatusBytes()).isEqualTo(whole.endStatusBytes());
  }
}
