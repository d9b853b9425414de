package dev.fanout.operator.queue;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many tasks of a Job travel in one queue message: {@code spec.tasksPerMessage} when set, else
 * as many as make about {@link #TARGET_MILLIS} of work, learned from how long its tasks took (the
 * outcomes workers send), or, until a few of them are known, how long its pool's tasks took.
 *
 * <p>A Job of a kind nothing is known of starts with a probe: its first {@link #PROBE_TASKS} tasks
 * go one to a message, and the rest wait until {@link #JOB_SAMPLES} of their outcomes are in, or
 * {@link #PROBE_WAIT_MILLIS} have passed (tasks that long gain nothing from packing); then they go
 * packed by what the probe learned, or one to a message if it learned nothing. Sending a short Job
 * one task to a message until its outcomes come back would send thousands of them that way (the
 * fan-out outruns the first outcome by far), and packing long tasks blindly would hold them back
 * behind each other.
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

  /** Tasks of an unknown kind sent one to a message before the rest wait for their outcomes. */
  static final int PROBE_TASKS = 20;

  /** The longest the rest of a Job waits for its probe's outcomes. */
  static final long PROBE_WAIT_MILLIS = 2_000;

  /** Weight of a new duration in the moving mean. */
  private static final double WEIGHT = 0.1;

  private final Map<String, Mean> jobs = new ConcurrentHashMap<>();

  /** Kinds kept: the most recently used; Jobs that each pass parameters of their own add many. */
  static final int MAX_KINDS = 1_000;

  private final Map<Kind, Mean> kinds =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Kind, Mean> eldest) {
              return size() > MAX_KINDS;
            }
          });
  private final Map<String, Kind> kindOfJob = new ConcurrentHashMap<>();

  /** Per Job being probed: {tasks sent in the probe, when the probe's first task was sent}. */
  private final Map<String, long[]> probes = new ConcurrentHashMap<>();

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

  /**
   * A task of the Job ran this long (an outcome's duration); true when this outcome completes what
   * the Job's probe waits for, so that the rest of its tasks can go now.
   */
  public boolean observe(String uid, long durationMillis) {
    if (durationMillis < 0) {
      return false;
    }
    Kind kind = kindOfJob.get(uid);
    if (kind == null) {
      return false; // not a Job this operator sends, or one it forgot
    }
    boolean before = known(kind);
    jobs.computeIfAbsent(uid, k -> new Mean()).add(durationMillis);
    kinds.computeIfAbsent(kind, k -> new Mean()).add(durationMillis);
    return !before && known(kind) && probes.containsKey(uid);
  }

  /**
   * How many more of the Job's tasks may be sent now: unlimited unless it is being probed; during
   * its probe what is left of {@link #PROBE_TASKS}, then 0 until the probe's outcomes are in.
   */
  public int room(Job job, long nowMillis) {
    if (!unknown(job)) {
      return Integer.MAX_VALUE;
    }
    long[] probe =
        probes.computeIfAbsent(job.getMetadata().getUid(), k -> new long[] {0, nowMillis});
    if (nowMillis - probe[1] >= PROBE_WAIT_MILLIS) {
      return Integer.MAX_VALUE;
    }
    return (int) Math.max(0, PROBE_TASKS - probe[0]);
  }

  /** Milliseconds until the Job's probe stops waiting; 0 when it is not waiting. */
  public long waitLeft(Job job, long nowMillis) {
    long[] probe = probes.get(job.getMetadata().getUid());
    if (probe == null || !unknown(job)) {
      return 0;
    }
    return Math.max(0, probe[1] + PROBE_WAIT_MILLIS - nowMillis);
  }

  /** These many of the Job's tasks were sent (they count toward its probe, if it has one). */
  public void sent(String uid, int tasks) {
    probes.computeIfPresent(
        uid,
        (k, probe) -> {
          probe[0] += tasks;
          return probe;
        });
  }

  /** The Job is finished, suspended or deleted; its kind keeps what it learned. */
  public void forget(String uid) {
    jobs.remove(uid);
    kindOfJob.remove(uid);
    probes.remove(uid);
  }

  /** Nothing says how long the Job's tasks take: no set size, too few outcomes of its kind. */
  private boolean unknown(Job job) {
    return job.getSpec().getTasksPerMessage() == null && !known(Kind.of(job.getSpec()));
  }

  /**
   * Enough outcomes of the kind to go by (a Job's own outcomes count for its kind too, so this is
   * also when a Job knows its own).
   */
  private boolean known(Kind kind) {
    Mean mean = kinds.get(kind);
    return mean != null && mean.samples() >= JOB_SAMPLES;
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
    // Before that, its kind's: earlier Jobs' outcomes and its own so far (a probe that waited its
    // time with fewer than JOB_SAMPLES goes by what they say); nothing known: one.
    Mean kind = kinds.get(Kind.of(job.getSpec()));
    return kind != null && kind.samples() > 0 ? forMean(kind.millis()) : 1;
  }

  /** Tasks of this mean duration that make about {@link #TARGET_MILLIS} of work. */
  static int forMean(double millis) {
    double tasks = TARGET_MILLIS / Math.max(1.0, millis);
    return (int) Math.max(1, Math.min(JobSpec.TASKS_PER_MESSAGE_LIMIT, Math.floor(tasks)));
  }
}
