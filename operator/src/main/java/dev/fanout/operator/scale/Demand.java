package dev.fanout.operator.scale;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runnable tasks per pool, as API.md defines them: over the pool's Jobs that are Running, each
 * Job's unfinished tasks, capped by its {@code parallelism}. A suspended, pending or finished Job
 * adds nothing.
 */
public final class Demand {
  private Demand() {}

  /** Tasks of this Job that workers could run now. */
  public static int runnable(Job job) {
    JobStatus status = job.getStatus();
    JobSpec spec = job.getSpec();
    if (status == null || status.getPhase() != JobPhase.Running || spec == null) {
      return 0;
    }
    if (spec.isSuspended()) {
      return 0;
    }
    int total = status.getTotal() != null ? status.getTotal() : spec.taskCount();
    int done = orZero(status.getSucceeded()) + orZero(status.getFailed());
    int unfinished = Math.max(0, total - done);
    Integer parallelism = spec.getParallelism();
    return parallelism == null ? unfinished : Math.min(unfinished, parallelism);
  }

  /** Runnable tasks by pool, for every pool with a Running Job (zero ones included). */
  public static Map<String, Integer> byPool(Collection<Job> jobs) {
    Map<String, Integer> pools = new TreeMap<>();
    for (Job job : jobs) {
      if (job.getSpec() == null || job.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      pools.merge(job.getSpec().effectivePool(), runnable(job), Integer::sum);
    }
    return pools;
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }
}
