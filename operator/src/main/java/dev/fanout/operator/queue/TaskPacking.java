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
  private final Map<Kind, Mean> kinds = new ConcurrentHashMap<>();
  private final Map<String, Kind> kindOfJob = new ConcurrentHashMap<>();

  /** Jobs whose tasks may be expected to take as long as each other's. */
  private record Kind(String pool, String handler, Object command, Object parameters) {
    static Kind of(JobSpec spec) {
      return new Kind(
          spec.effectivePool(), spec.getHandler(), spec.getCommand(), spec.getParameters());
    }
  }

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

  /** The Job is being sent: its outcomes count for its kind too. */
  public void track(Job job) {
    kindOfJob.computeIfAbsent(job.getMetadata().getUid(), uid -> Kind.of(job.getSpec()));
  }

  /** A task of the Job ran this long (an outcome's duration). */
  public void observe(String uid, long durationMillis) {
    if (durationMillis < 0) {
      return;
    }
    Kind kind = kindOfJob.get(uid);
    if (kind == null) {
      return; // not a Job this operator sends, or one it forgot
    }
    jobs.computeIfAbsent(uid, k -> new Mean()).add(durationMillis);
    kinds.computeIfAbsent(kind, k -> new Mean()).add(durationMillis);
  }

  /** The Job is finished, suspended or deleted; its kind keeps what it learned. */
  public void forget(String uid) {
    jobs.remove(uid);
    kindOfJob.remove(uid);
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
    Mean kind = kinds.get(Kind.of(job.getSpec()));
    if (kind != null && kind.samples() > 0) {
      return forMean(kind.millis());
    }
    return 1;
  }

  /** Tasks of this mean duration that make about {@link #TARGET_MILLIS} of work. */
  static int forMean(double millis) {
    double tasks = TARGET_MILLIS / Math.max(1.0, millis);
    return (int) Math.max(1, Math.min(JobSpec.TASKS_PER_MESSAGE_LIMIT, Math.floor(tasks)));
  }
}
