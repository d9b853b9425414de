package dev.fanout.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * How long a worker leaves between two status writes of one Job: nothing while its writes go
 * through first or second time; a gap that grows with each write that met two conflicts or more
 * (other workers wrote the Job between this one's read and its write, again and again), stays after
 * one that met one, and halves with each that met none. Under contention each worker so writes less
 * often and carries more in each write, and the writes that reach the API server are mostly ones
 * that succeed; one conflict a write is cheap (a read and a refused write) and is not worth a
 * worker's idle time. Thread-safe; no I/O.
 */
final class WritePacing {
  /** The unit of the gap: a write that met c conflicts (c ≥ 2) makes it c times as long. */
  static final long STEP_MILLIS = 10;

  private final long maxGapMillis;
  private final RandomGenerator random;
  private final Map<String, Long> gaps = new HashMap<>();

  WritePacing(long maxGapMillis, RandomGenerator random) {
    this.maxGapMillis = maxGapMillis;
    this.random = random;
  }

  /**
   * Notes how a write of the Job went and returns how long to wait before the next one, jittered
   * (between half and one and a half times the gap) so that workers that collided do not collide
   * again in step; 0 when there is no gap.
   *
   * @param conflicts the 409s the write met before it went through (or before it gave up)
   */
  synchronized long afterWrite(String jobUid, int conflicts) {
    long gap = gaps.getOrDefault(jobUid, 0L);
    if (conflicts >= 2) {
      gap = Math.min(maxGapMillis, Math.max(STEP_MILLIS, gap) * Math.min(conflicts, 16));
    } else if (conflicts == 0) {
      gap = gap / 2 < STEP_MILLIS ? 0 : gap / 2;
    }
    if (gap == 0) {
      gaps.remove(jobUid);
      return 0;
    }
    gaps.put(jobUid, gap);
    return gap / 2 + random.nextLong(gap + 1);
  }

  /** The gap as it stands, before jitter; 0 when the Job's writes go through first time. */
  synchronized long gap(String jobUid) {
    return gaps.getOrDefault(jobUid, 0L);
  }

  /** The longest gap of any Job, before jitter; 0 when every Job's writes go through. */
  synchronized long longest() {
    return gaps.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /** The Job is gone or finished: no write of it will follow. */
  synchronized void forget(String jobUid) {
    gaps.remove(jobUid);
  }
}
