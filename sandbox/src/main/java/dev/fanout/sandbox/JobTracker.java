package dev.fanout.sandbox;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the sandbox has seen of one Job it applied: the latest status, and the recent done counts
 * from which it works out tasks per second.
 */
final class JobTracker {
  private static final long WINDOW_NANOS = 3_000_000_000L;

  private final Path file;
  private final String pool;
  private final String namespace;
  private final String name;
  private final String uid;
  private final int specTotal;
  private final Deque<long[]> samples = new ArrayDeque<>();
  private JobStatus status;
  private boolean deleted;
  private long idleUntilNanos;
  private long lastChangeNanos = -1;
  private int lastDone;

  /**
   * @param appliedNanos when the Job was created ({@link System#nanoTime()})
   */
  JobTracker(Path file, String pool, Job created, long appliedNanos) {
    this.file = file;
    this.pool = pool;
    this.idleUntilNanos = appliedNanos;
    this.namespace = created.getMetadata().getNamespace();
    this.name = created.getMetadata().getName();
    this.uid = created.getMetadata().getUid();
    this.specTotal = created.getSpec().taskCount();
  }

  /** Records what the API holds now; {@code job} null means the Job is gone. */
  void observe(Job job, long nowNanos) {
    if (job == null) {
      deleted = true;
      return;
    }
    status = job.getStatus();
    int done = done();
    if (done == 0) {
      idleUntilNanos = nowNanos;
    } else if (done != lastDone) {
      lastChangeNanos = nowNanos;
    }
    lastDone = done;
    samples.addLast(new long[] {nowNanos, done});
    while (samples.size() > 2 && samples.peekFirst()[0] < nowNanos - WINDOW_NANOS) {
      samples.removeFirst();
    }
  }

  Path file() {
    return file;
  }

  String pool() {
    return pool;
  }

  String ref() {
    return namespace + "/" + name;
  }

  String namespace() {
    return namespace;
  }

  String name() {
    return name;
  }

  String uid() {
    return uid;
  }

  JobStatus status() {
    return status;
  }

  boolean deleted() {
    return deleted;
  }

  /** Finished as the operator decided, or deleted (then there is nothing more to see). */
  boolean finished() {
    return deleted || (status != null && status.isFinished());
  }

  boolean succeeded() {
    return !deleted && status != null && status.getPhase() == JobPhase.Succeeded;
  }

  String phase() {
    if (deleted) {
      return "Deleted";
    }
    return status == null || status.getPhase() == null ? "Pending" : status.getPhase().name();
  }

  /** The status's total; the spec's task count until the operator wrote one (none if refused). */
  int total() {
    if (status != null && status.getTotal() != null) {
      return status.getTotal();
    }
    return finished() ? 0 : Math.max(0, specTotal);
  }

  int succeededCount() {
    return status == null || status.getSucceeded() == null ? 0 : status.getSucceeded();
  }

  int failedCount() {
    return status == null || status.getFailed() == null ? 0 : status.getFailed();
  }

  int done() {
    return succeededCount() + failedCount();
  }

  /**
   * Tasks per second: over the last few seconds while running; once finished, over the whole time
   * tasks were finishing (from the last look that saw none done to the last change).
   */
  double rate(long nowNanos) {
    if (finished()) {
      if (lastChangeNanos <= idleUntilNanos) {
        return 0;
      }
      return done() / ((lastChangeNanos - idleUntilNanos) / 1e9);
    }
    if (samples.size() < 2) {
      return 0;
    }
    long[] first = samples.peekFirst();
    long[] last = samples.peekLast();
    double seconds = (last[0] - first[0]) / 1e9;
    return seconds < 0.5 ? 0 : (last[1] - first[1]) / seconds;
  }
}
