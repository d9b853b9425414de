package dev.fanout.bench;

import java.util.List;

/**
 * (7) What a process per task costs: a Job of {@code exec} tasks running {@code true} on one warm
 * worker (after a small warm-up Job of the same), next to the {@code noop} rate of one worker in
 * (2). The CPU of the commands is what the kernel counted for the worker's ended children, process
 * start included.
 */
final class ExecCost {
  static final List<String> COMMAND = List.of("true");

  record Result(
      int tasks,
      int workers,
      double seconds,
      double tasksPerSecondPerWorker,
      double attemptsPerTask,
      CpuTime.PerTask cpuMsPerTask) {}

  private final Rig rig;
  private final JobWatch watch;
  private final Progress progress;

  ExecCost(Rig rig, JobWatch watch, Progress progress) {
    this.rig = rig;
    this.watch = watch;
    this.progress = progress;
  }

  /** With one worker of the pool left (the others are stopped). */
  Result run(int tasks) throws Exception {
    rig.scaleDown(EndToEnd.POOL, 1);
    List<Rig.Node> worker = rig.scaleWorkers(EndToEnd.POOL, 1);
    TimedJob.run(
        rig,
        watch,
        worker,
        "exec-warmup",
        "exec",
        Math.max(1, tasks / 10),
        s -> s.setCommand(COMMAND));
    TimedJob.Measured m =
        TimedJob.run(rig, watch, worker, "exec-true", "exec", tasks, s -> s.setCommand(COMMAND));
    Result result =
        new Result(
            tasks, 1, m.seconds(), m.tasksPerSecond(), m.attemptsPerTask(), m.cpuMsPerTask());
    progress.say(
        "(7) exec of true, 1 worker: %,d tasks in %.1f s, %,.0f tasks/s; CPU per task: worker %.2f"
            + " ms, its commands %.2f ms, operator %.2f ms, queue and API %.2f ms",
        tasks,
        m.seconds(),
        m.tasksPerSecond(),
        m.cpuMsPerTask().workers(),
        m.cpuMsPerTask().commands(),
        m.cpuMsPerTask().operator(),
        m.cpuMsPerTask().queueAndApi());
    return result;
  }
}
