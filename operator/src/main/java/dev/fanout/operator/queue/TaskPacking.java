package dev.fanout.operator.queue;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many tasks of a Job travel in one queue message: {@code spec.tasksPerMessage} when set, else
 * as many as make about {@link #TARGET_MILLIS} of work, learned from how long its tasks took (the
 * outcomes workers send), or, until a few of them are known, how long its pool's tasks took. Before
 * anything is known, one: a long task packed with others would hold them back.
 *
 * <p>Why pack: each message costs a send, a receive and a delete, a ledger entry and a share of a
 * status write, about a millisecond of CPU in all; a task of a millisecond then spends most of its
 * time on the queue. At {@link #TARGET_MILLIS} of work a message, that cost is under one percent of
 * the work, and a message of long tasks still carries one.
 */
public final class TaskPacking {
  /** About how much work one message carries. */
  static final double TARGET_MILLIS = 200;

  /** Outcomes of a Job before its own mean is trusted over its pool's. */
  static final int JOB_SAMPLES = 10;

  /** Weight of a new duration in the moving mean. */
  private static final double WEIGHT = 0.1;

  private final Map<String, Mean> jobs = new ConcurrentHashMap<>();
  private final Map<String, Mean> pools = new ConcurrentHashMap<>();
  private final Map<String, String> poolOfJob = new ConcurrentHashMap<>();

  /** A moving mean of task durations, with the number of samples it has seen. */
  private static final class Mean {
    private double millis;
    private long samples;

    synchronized void add(double value) {
      millis = samples == 0 ? value : millis + WEIGHT * (value - millis);
      samples++;
    }

    synchronized long samples() {
      return samples;
    }

    synchronized double millis() {
      return millis;
    }
  }

  /** The Job is being sent: its outcomes count for its pool too. */
  public void track(Job job) {
    poolOfJob.put(job.getMetadata().getUid(), job.getSpec().effectivePool());
  }

  /** A task of the Job ran this long (an outcome's duration). */
  public void observe(String uid, long durationMillis) {
    if (durationMillis < 0) {
      return;
    }
    String pool = poolOfJob.get(uid);
    if (pool == null) {
      return; // not a Job this operator sends, or one it forgot
    }
    jobs.computeIfAbsent(uid, k -> new Mean()).add(durationMillis);
    pools.computeIfAbsent(pool, k -> new Mean()).add(durationMillis);
  }

  /** The Job is finished, suspended or deleted; its pool keeps what it learned. */
  public void forget(String uid) {
    jobs.remove(uid);
    poolOfJob.remove(uid);
  }

  /** Tasks per message for this Job now. */
  public int size(Job job) {
    Integer fixed = job.getSpec().getTasksPerMessage();
    if (fixed != null) {
      return Math.max(1, Math.min(JobSpec.TASKS_PER_MESSAGE_LIMIT, fixed));
    }
    Mean own = jobs.get(job.getMetadata().getUid());
    if (own != null && own.samples() >= JOB_SAMPLES) {
      return forMean(own.millis());
    }
    Mean pool = pools.get(job.getSpec().effectivePool());
    if (pool != null && pool.samples() > 0) {
      return forMean(pool.millis());
    }
    return 1;
  }

  /** Tasks of this mean duration that make about {@link #TARGET_MILLIS} of work. */
  static int forMean(double millis) {
    double tasks = TARGET_MILLIS / Math.max(1.0, millis);
    return (int) Math.max(1, Math.min(JobSpec.TASKS_PER_MESSAGE_LIMIT, Math.floor(tasks)));
  }
}
