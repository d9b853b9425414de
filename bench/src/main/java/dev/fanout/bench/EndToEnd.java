package dev.fanout.bench;

import dev.fanout.api.Backoff;
import dev.fanout.api.JobSpec;
import dev.fanout.common.queue.Messages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * (2) End to end: {@code noop} Jobs through the operator and W workers, from {@code create} to
 * {@code Succeeded}, after a warm-up: with automatic packing (no {@code tasksPerMessage}, the
 * default) and with {@code tasksPerMessage: 1}, for each worker count; and a Job whose every task
 * fails its first attempt and succeeds its second, with no backoff, on the most workers. With what
 * they cost in status writes (4) and the workers' memory (6).
 */
final class EndToEnd {
  static final String POOL = "default";

  /** Messages of the queue's drain rate measured just before each worker count's runs. */
  static final int QUEUE_SAMPLE = 20_000;

  /** The two ways to pack tasks into messages: automatic (null, the default), and one each. */
  static final List<Integer> PACKINGS = Arrays.asList(null, 1);

  record Run(
      String job,
      int workers,
      Integer tasksPerMessage,
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
      double attemptsPerTask,
      int peakStatusBytes,
      CpuTime.PerTask cpuMsPerTask) {

    static Run of(TimedJob.Measured m, int workers, Integer tasksPerMessage, double queueLimit) {
      return new Run(
          m.job(),
          workers,
          tasksPerMessage,
          m.tasks(),
          m.seconds(),
          m.tasksPerSecond(),
          queueLimit,
          queueLimit > 0 ? m.tasksPerSecond() / queueLimit : 0,
          m.counts().writes(),
          m.counts().conflicts(),
          m.writesPer1000Tasks(),
          m.conflictsPer1000Writes(),
          m.receivesPerTask(),
          m.attemptsPerTask(),
          m.peakStatusBytes(),
          m.cpuMsPerTask());
    }

    boolean packed() {
      return tasksPerMessage == null;
    }

    /** How the tasks travelled, for the table. */
    String packing() {
      return packed() ? "automatic packing" : "tasksPerMessage " + tasksPerMessage;
    }
  }

  /**
   * @param runs every worker count with each packing, fewest workers first, automatic first
   * @param retryOnce the Job of {@code fail} tasks that each fail once, on the most workers
   */
  record Result(int warmupTasks, List<Run> runs, Run retryOnce, MemoryWatch.Figures workerMemory) {
    /** The runs of one packing (null: automatic), fewest workers first. */
    List<Run> runs(Integer tasksPerMessage) {
      return runs.stream()
          .filter(r -> Objects.equals(r.tasksPerMessage(), tasksPerMessage))
          .toList();
    }

    /** The run of that packing with the most workers. */
    Run widest(Integer tasksPerMessage) {
      List<Run> of = runs(tasksPerMessage);
      return of.get(of.size() - 1);
    }

    /** The run of that packing with the fewest workers. */
    Run narrowest(Integer tasksPerMessage) {
      return runs(tasksPerMessage).get(0);
    }

    /** The run of that packing with exactly {@code workers}, else the one with the most. */
    Run withWorkers(Integer tasksPerMessage, int workers) {
      return runs(tasksPerMessage).stream()
          .filter(r -> r.workers() == workers)
          .findFirst()
          .orElse(widest(tasksPerMessage));
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
   * Runs the most workers first and stops some between worker counts, so that every run has JVMs
   * that already ran the warm-up: a JVM started for a run would spend it compiling.
   */
  Result run(int tasks, int[] workerCounts) throws Exception {
    int most = workerCounts[workerCounts.length - 1];
    List<Rig.Node> nodes = rig.scaleWorkers(POOL, most);
    // Half the tasks each way, so that both paths are compiled before anything is measured.
    int warmup = tasks;
    TimedJob.run(rig, watch, nodes, "warmup-auto", "noop", (warmup + 1) / 2, packing(null));
    TimedJob.run(rig, watch, nodes, "warmup-one", "noop", warmup / 2, packing(1));
    progress.say(
        "(2) warm-up Jobs of %,d tasks done by %d workers, automatic packing and one per message",
        warmup, most);
    Map<String, MemoryWatch.Figures> memory = new HashMap<>();
    MemoryWatch retryMemory = new MemoryWatch(nodes, false);
    Run retryOnce =
        Run.of(
            TimedJob.run(rig, watch, nodes, "retry-once", "fail", tasks, EndToEnd::failOnce),
            most,
            null,
            0);
    retryMemory.stop().forEach((n, f) -> memory.merge(n, f, (a, b) -> max(List.of(a, b))));
    progress.say(
        "(2) retry-once, %d workers: %,d fail tasks, each failing once then retried with no"
            + " backoff, in %.1f s, %,.0f tasks/s; %.2f attempts per task; %.1f status writes per"
            + " 1,000 tasks",
        most,
        tasks,
        retryOnce.seconds(),
        retryOnce.tasksPerSecond(),
        retryOnce.attemptsPerTask(),
        retryOnce.writesPer1000Tasks());
    List<Run> runs = new ArrayList<>();
    for (int i = workerCounts.length - 1; i >= 0; i--) {
      int workers = workerCounts[i];
      rig.scaleDown(POOL, workers);
      nodes = rig.workers(POOL);
      double queueLimit = queue.drainNow(QUEUE_SAMPLE);
      List<Run> ofCount = new ArrayList<>();
      for (Integer tasksPerMessage : PACKINGS) {
        MemoryWatch memoryWatch = new MemoryWatch(nodes, false);
        String name = "e2e-" + workers + (tasksPerMessage == null ? "-auto" : "-one");
        Run run =
            Run.of(
                TimedJob.run(rig, watch, nodes, name, "noop", tasks, packing(tasksPerMessage)),
                workers,
                tasksPerMessage,
                queueLimit);
        memoryWatch.stop().forEach((n, f) -> memory.merge(n, f, (a, b) -> max(List.of(a, b))));
        ofCount.add(run);
        say(run);
      }
      runs.addAll(0, ofCount);
    }
    return new Result(warmup, runs, retryOnce, max(memory.values()));
  }

  private void say(Run run) {
    progress.say(
        "(2) %d worker%s, %s: %,d tasks in %.1f s, %,.0f tasks/s (%.0f%% of the queue's %,.0f"
            + " msg/s just before); %.1f status writes per 1,000 tasks, %.0f 409s per 1,000"
            + " writes, %.2f receive calls per task; CPU per task: operator %.2f ms, workers %.2f"
            + " ms, queue and API %.2f ms",
        run.workers(),
        run.workers() == 1 ? "" : "s",
        run.packing(),
        run.tasks(),
        run.seconds(),
        run.tasksPerSecond(),
        100 * run.ofQueueLimit(),
        run.queueLimitNow(),
        run.writesPer1000Tasks(),
        run.conflictsPer1000Writes(),
        run.receivesPerTask(),
        run.cpuMsPerTask().operator(),
        run.cpuMsPerTask().workers(),
        run.cpuMsPerTask().queueAndApi());
  }

  /** {@code tasksPerMessage} as given; null leaves it unset, the default: automatic packing. */
  static Consumer<JobSpec> packing(Integer tasksPerMessage) {
    return spec -> spec.setTasksPerMessage(tasksPerMessage);
  }

  /**
   * Every task fails its first attempt and succeeds its second ({@code fail} with {@code
   * failAttempts: 1}), retried at once (a backoff of 0 s), packed automatically.
   */
  static void failOnce(JobSpec spec) {
    spec.setParameters(Messages.mapper().createObjectNode().put("failAttempts", 1));
    spec.setMaxAttempts(2);
    spec.setBackoff(new Backoff(0, Backoff.DEFAULT_FACTOR, 0));
  }

  private static MemoryWatch.Figures max(Collection<MemoryWatch.Figures> all) {
    return MemoryWatch.Figures.max(all);
  }
}
