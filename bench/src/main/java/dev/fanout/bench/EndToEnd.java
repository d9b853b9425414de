package dev.fanout.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * (2) End to end: a {@code noop} Job through the operator and W workers, from {@code create} to
 * {@code Succeeded}, after a warm-up Job; with what it cost in status writes (4) and the workers'
 * memory (6).
 */
final class EndToEnd {
  static final String POOL = "default";
  private static final Duration LIMIT = Duration.ofMinutes(10);

  /** Messages of the queue's drain rate measured just before each run. */
  static final int QUEUE_SAMPLE = 20_000;

  record Run(
      int workers,
      int tasks,
      double seconds,
      double tasksPerSecond,
      double queueLimitNow,
      double ofQueueLimit,
      double statusWrites,
      double statusConflicts,
      double writesPer1000Tasks,
      double conflictsPer1000Writes,
      double receivesPerTask,
      int peakStatusBytes,
      CpuTime.PerTask cpuMsPerTask) {}

  record Result(int warmupTasks, List<Run> runs, MemoryWatch.Figures workerMemory) {
    /** The run with the most workers. */
    Run widest() {
      return runs.get(runs.size() - 1);
    }
  }

  private final Rig rig;
  private final JobWatch watch;
  private final Progress progress;
  private final QueueLimit queue;

  EndToEnd(Rig rig, JobWatch watch, Progress progress, QueueLimit queue) {
    this.rig = rig;
    this.watch = watch;
    this.progress = progress;
    this.queue = queue;
  }

  /**
   * Runs the most workers first and stops some between runs, so that every run has JVMs that
   * already ran the warm-up: a JVM started for a run would spend it compiling.
   */
  Result run(int tasks, int[] workerCounts) throws Exception {
    int most = workerCounts[workerCounts.length - 1];
    rig.scaleWorkers(POOL, most);
    int warmup = tasks;
    rig.create("warmup", "noop", warmup, POOL);
    watch.awaitSucceeded("warmup", LIMIT);
    progress.say("(2) warm-up Job of %,d tasks done by %d workers", warmup, most);
    Map<String, MemoryWatch.Figures> memory = new HashMap<>();
    List<Run> runs = new ArrayList<>();
    for (int i = workerCounts.length - 1; i >= 0; i--) {
      int workers = workerCounts[i];
      rig.scaleDown(POOL, workers);
      List<Rig.Node> nodes = rig.workers(POOL);
      double queueLimit = queue.drainNow(QUEUE_SAMPLE);
      MemoryWatch memoryWatch = new MemoryWatch(nodes, false);
      Counts before = Counts.of(nodes);
      CpuTime.Snapshot cpu = CpuTime.Snapshot.take(rig.operator(), nodes);
      String name = "e2e-" + workers;
      long start = rig.create(name, "noop", tasks, POOL);
      long end = watch.awaitSucceeded(name, LIMIT);
      CpuTime.PerTask cpuPerTask =
          CpuTime.Snapshot.take(rig.operator(), nodes).perTaskSince(cpu, tasks);
      Counts counts = Counts.of(nodes).minus(before);
      memoryWatch.stop().forEach((n, f) -> memory.merge(n, f, (a, b) -> max(List.of(a, b))));
      double seconds = (end - start) / 1e9;
      Run run =
          new Run(
              workers,
              tasks,
              seconds,
              tasks / seconds,
              queueLimit,
              tasks / seconds / queueLimit,
              counts.writes(),
              counts.conflicts(),
              1000 * counts.writes() / tasks,
              counts.writes() == 0 ? 0 : 1000 * counts.conflicts() / counts.writes(),
              counts.receives() / tasks,
              watch.track(name).maxStatusBytes,
              cpuPerTask);
      runs.add(0, run);
      progress.say(
          "(2) %d worker%s: %,d tasks in %.1f s, %,.0f tasks/s (%.0f%% of the queue's %,.0f msg/s just before);"
              + " %.1f status writes per 1,000 tasks, %.0f 409s per 1,000 writes, %.2f receive"
              + " calls per task; CPU per task: operator %.2f ms, workers %.2f ms, queue and API"
              + " %.2f ms",
          workers,
          workers == 1 ? "" : "s",
          tasks,
          seconds,
          run.tasksPerSecond(),
          100 * run.ofQueueLimit(),
          queueLimit,
          run.writesPer1000Tasks(),
          run.conflictsPer1000Writes(),
          run.receivesPerTask(),
          cpuPerTask.operator(),
          cpuPerTask.workers(),
          cpuPerTask.queueAndApi());
    }
    return new Result(warmup, runs, max(memory.values()));
  }

  /** The workers' counters that matter here, summed. */
  private record Counts(double writes, double conflicts, double receives) {
    static Counts of(List<Rig.Node> nodes) {
      return new Counts(
          sum(nodes, "fanout_status_writes_total"),
          sum(nodes, "fanout_status_conflicts_total"),
          sum(nodes, "fanout_receive_latency_seconds_count"));
    }

    Counts minus(Counts before) {
      return new Counts(
          writes - before.writes, conflicts - before.conflicts, receives - before.receives);
    }
  }

  private static MemoryWatch.Figures max(java.util.Collection<MemoryWatch.Figures> all) {
    return MemoryWatch.Figures.max(all);
  }

  static double sum(List<Rig.Node> nodes, String metric) {
    double sum = 0;
    for (Rig.Node node : nodes) {
      sum += node.metrics().sum(metric);
    }
    return sum;
  }
}
