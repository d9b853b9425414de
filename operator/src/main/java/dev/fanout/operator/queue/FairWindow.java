package dev.fanout.operator.queue;

import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many tasks of one Job may wait on its pool's queue at once: a few seconds of the pool's work,
 * so that a Job created later queues behind seconds of an earlier Job's tasks, not behind all of
 * them (a standard SQS queue hands messages out roughly in the order they came).
 *
 * <p>The pool's pace is learned from the Jobs' statuses as the operator sees them: tasks finished
 * over the last {@link #PACE_MILLIS}. While a pool has finished nothing in that time, a Job may
 * queue {@link #FIRST_WINDOW} tasks; after that, {@code workMillis} of the pool's pace (5 s by
 * default, {@code FANOUT_FAIR_SHARE_SECONDS}), and never fewer than {@link #MIN_WINDOW}. The
 * operator tops each Job up as its tasks finish, as it does for {@code spec.parallelism}, which
 * still applies when it is the smaller.
 */
final class FairWindow {
  /**
   * A Job's window before its pool has a pace. Small, since a Job created next queues behind all of
   * it; a fast pool has its pace a status write later (a fraction of a second), and its window
   * then.
   */
  static final int FIRST_WINDOW = 500;

  /** The smallest window once the pace is known: slow pools still keep their workers fed. */
  static final int MIN_WINDOW = 100;

  /** The pace is what finished over this long. */
  static final long PACE_MILLIS = 10_000;

  private final Clock clock;
  private final long workMillis;

  /** Per Job: {tasks finished, when the operator saw that}. */
  private final Map<String, long[]> finishedByJob = new ConcurrentHashMap<>();

  private final Map<String, Pace> paces = new ConcurrentHashMap<>();

  /**
   * @param workMillis how much of the pool's work one Job may have queued
   */
  FairWindow(Clock clock, long workMillis) {
    this.clock = clock;
    this.workMillis = workMillis;
  }

  /** Tasks finished per interval, for one pool. */
  private static final class Pace {
    /** Samples: {from, to, tasks}: that many tasks finished between two looks at a Job. */
    private final Deque<long[]> finished = new ArrayDeque<>();

    private long sum;

    synchronized void add(long from, long to, long tasks) {
      finished.addLast(new long[] {from, to, tasks});
      sum += tasks;
      trim(to);
    }

    /**
     * Tasks per second over the samples of the last PACE_MILLIS, over the time they cover (the
     * union of their intervals, at least a second): the pool's pace while it worked. A burst on a
     * pool idle until then has its pace from its first status write, and a Job that follows another
     * after a pause is not held to the earlier Job's tasks spread over the pause. -1 when nothing
     * finished in that time.
     */
    synchronized double perSecond(long now) {
      trim(now);
      if (finished.isEmpty()) {
        return -1;
      }
      List<long[]> byStart = new ArrayList<>(finished);
      byStart.sort(Comparator.comparingLong(sample -> sample[0]));
      long covered = 0;
      long from = byStart.get(0)[0];
      long to = byStart.get(0)[1];
      for (long[] sample : byStart) {
        if (sample[0] > to) {
          covered += to - from;
          from = sample[0];
        }
        to = Math.max(to, sample[1]);
      }
      covered += to - from;
      return sum * 1000.0 / Math.max(1_000, covered);
    }

    private void trim(long now) {
      while (!finished.isEmpty() && finished.peekFirst()[1] < now - PACE_MILLIS) {
        sum -= finished.removeFirst()[2];
      }
    }
  }

  /** Notes how many of the Job's tasks have finished, by its newest status. */
  void observe(Job job) {
    JobStatus status = job.getStatus();
    if (status == null) {
      return;
    }
    long now = clock.millis();
    Pace pace = paces.computeIfAbsent(job.getSpec().effectivePool(), p -> new Pace());
    long finished = status.completed().count() + (long) status.failedSet().count();
    long[] before = finishedByJob.put(job.getMetadata().getUid(), new long[] {finished, now});
    if (before != null && finished > before[0]) {
      pace.add(before[1], now, finished - before[0]);
    }
  }

  /** The most tasks of a Job of this pool that may be queued or running at once. */
  int of(String pool) {
    Pace pace = paces.get(pool);
    double perSecond = pace == null ? -1 : pace.perSecond(clock.millis());
    if (perSecond < 0) {
      return FIRST_WINDOW;
    }
    return (int) Math.max(MIN_WINDOW, Math.min(Integer.MAX_VALUE, perSecond * workMillis / 1000));
  }

  /** Forgets a Job that is no longer sent. */
  void forget(String uid) {
    finishedByJob.remove(uid);
  }
}
