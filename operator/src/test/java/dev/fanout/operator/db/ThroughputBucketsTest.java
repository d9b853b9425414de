package dev.fanout.operator.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputBucketsTest {
  private static List<List<Long>> points(ThroughputBuckets buckets) {
    return buckets.cumulative().stream().map(p -> List.of(p[0], p[1])).toList();
  }

  @Test
  void finishTimesCountIntoEqualBucketsEndingAtTheLastFinish() {
    ThroughputBuckets buckets = new ThroughputBuckets(1_000, 1_999, 4);
    for (long t : new long[] {1_000, 1_100, 1_300, 1_500, 1_999}) {
      buckets.add(t);
    }
    assertThat(points(buckets))
        .containsExactly(
            List.of(1_249L, 2L), List.of(1_499L, 3L), List.of(1_749L, 4L), List.of(1_999L, 5L));
  }

  @Test
  void aSpanShorterThanThePointsGetsAPointPerMillisecond() {
    ThroughputBuckets buckets = new ThroughputBuckets(5, 7, 200);
    buckets.add(5);
    buckets.add(7);
    assertThat(points(buckets)).containsExactly(List.of(5L, 1L), List.of(6L, 1L), List.of(7L, 2L));
  }

  @Test
  void allAtOnceIsOnePoint() {
    ThroughputBuckets buckets = new ThroughputBuckets(42, 42, 200);
    buckets.add(42);
    buckets.add(42);
    assertThat(points(buckets)).containsExactly(List.of(42L, 2L));
  }

  @Test
  void aHundredThousandFinishesMakeAtMostTwoHundredPointsEndingAtTheTotal() {
    ThroughputBuckets buckets = new ThroughputBuckets(0, 3_600_000, 200);
    for (int i = 0; i < 100_000; i++) {
      buckets.add(i * 36L);
    }
    List<long[]> points = buckets.cumulative();
    assertThat(points).hasSize(200);
    assertThat(points.get(199)).containsExactly(3_600_000L, 100_000L);
  }
}
