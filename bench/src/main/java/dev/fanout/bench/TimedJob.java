package dev.fanout.bench;

import dev.fanout.api.JobSpec;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One Job timed from {@code create} until a watch sees it {@code Succeeded}, on the workers given,
 * with what it cost meanwhile: the CPU of every process, and the workers' status writes, 409s,
 * receive calls and task attempts.
 */
final class TimedJob {
  private static final Duration LIMIT = Duration.ofMinutes(10);

  /** What one Job took; rates and shares are per task of the Job. */
  record Measured(
      String job,
      int tasks,
      double seconds,
      double tasksPerSecond,
      Counts counts,
      CpuTime.PerTask cpuMsPerTask,
      int peakStatusBytes) {

    double writesPer1000Tasks() {
      return 1000 * counts.writes() / tasks;
    }

    double conflictsPer1000Writes() {
      return counts.writes() == 0 ? 0 : 1000 * counts.conflicts() / counts.writes();
    }

    double receivesPerTask() {
      return counts.receives() / tasks;
    }

    double attemptsPerTask() {
      return counts.attempts() / tasks;
    }
  }

  /** The workers' counters that matter here, summed over the workers. */
  record Counts(double writes, double conflicts, double receives, double attempts) {
    static Counts of(List<Rig.Node> nodes) {
      return new Counts(
          sum(nodes, "fanout_status_writes_total"),
          sum(nodes, "fanout_status_conflicts_total"),
          sum(nodes, "fanout_receive_latency_seconds_count"),
          sum(nodes, "fanout_tasks_total"));
    }

    Counts minus(Counts before) {
      return new Counts(
          writes - before.writes,
          conflicts - before.conflicts,
          receives - before.receives,
          attempts - before.attempts);
    }
  }

  private TimedJob() {}

  static Measured run(
      Rig rig,
      JobWatch watch,
      List<Rig.Node> workers,
      String name,
      String handler,
      int tasks,
      Consumer<JobSpec> spec)
      throws InterruptedException {
    Counts before = Counts.of(workers);
    CpuTime.Snapshot cpu = CpuTime.Snapshot.take(rig.operator(), workers);
    long start = rig.create(name, handler, tasks, EndToEnd.POOL, spec);
    long end = watch.awaitSucceeded(name, LIMIT);
    CpuTime.PerTask cpuPerTask =
        CpuTime.Snapshot.take(rig.operator(), workers).perTaskSince(cpu, tasks);
    Counts counts = Counts.of(workers).minus(before);
    double seconds = (end - start) / 1e9;
    return new Measured(
        name,
        tasks,
        seconds,
        tasks / seconds,
        counts,
        cpuPerTask,
        watch.track(name).maxStatusBytes);
  }

  static double sum(List<Rig.Node> nodes, String metric) {
    double sum = 0;
    for (Rig.Node node : nodes) {
      sum += node.metrics().sum(metric);
    }
    return sum;
  }
}
