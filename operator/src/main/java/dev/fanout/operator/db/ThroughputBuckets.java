package dev.fanout.operator.db;

import java.util.ArrayList;
import java.util.List;

/**
 * Finish times counted into at most {@code points} equal buckets between the first and the last;
 * read back as {@code [bucketEndMillis, finishedSoFar]} pairs. Constant memory whatever the count.
 */
public final class ThroughputBuckets {
  private final long first;
  private final long span;
  private final long[] counts;

  public ThroughputBuckets(long firstMillis, long lastMillis, int points) {
    if (points < 1 || lastMillis < firstMillis) {
      throw new IllegalArgumentException(
          "points " + points + ", first " + firstMillis + ", last " + lastMillis);
    }
    this.first = firstMillis;
    this.span = lastMillis - firstMillis + 1;
    this.counts = new long[(int) Math.min(points, span)];
  }

  public void add(long millis) {
    long offset = Math.max(0, Math.min(span - 1, millis - first));
    counts[(int) (offset * counts.length / span)]++;
  }

  /** Each bucket's last millisecond and the count finished up to then. */
  public List<long[]> cumulative() {
    List<long[]> points = new ArrayList<>(counts.length);
    long sum = 0;
    for (int i = 0; i < counts.length; i++) {
      sum += counts[i];
      long end = first + ((i + 1) * span + counts.length - 1) / counts.length - 1;
      points.add(new long[] {end, sum});
    }
    return points;
  }
}
