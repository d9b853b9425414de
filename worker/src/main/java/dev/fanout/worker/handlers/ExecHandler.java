package dev.fanout.worker.handlers;

import dev.fanout.api.TaskFailure;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Built-in {@code exec}: runs {@code spec.command} as a child process with the task in its
 * environment. Exit 0 succeeds with the tail of the output as result; anything else fails with the
 * tail of stdout and stderr as message. Past the timeout, or when interrupted, the process and
 * everything it started are killed.
 */
public final class ExecHandler implements TaskHandler {
  public static final String TIMEOUT = "Timeout";

  /** More than the 1 KiB the status keeps, so a cut multi-byte character costs nothing. */
  private static final int TAIL_BYTES = 4096;

  /** How long output may still trickle in after the process ended (from its children). */
  private static final long DRAIN_MILLIS = 1000;

  @Override
  public String name() {
    return "exec";
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException {
    if (ctx.command().isEmpty()) {
      return TaskResult.permanentFailure(
          "InvalidParameters", "handler exec needs spec.command, and the Job has none");
    }
    ProcessBuilder builder = new ProcessBuilder(ctx.command()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("FANOUT_JOB", ctx.jobName());
    env.put("FANOUT_NAMESPACE", ctx.namespace());
    env.put("FANOUT_TASK_INDEX", Integer.toString(ctx.index()));
    env.put("FANOUT_TASK_ATTEMPT", Integer.toString(ctx.attempt()));
    env.put("FANOUT_TASK_PARAMS", ctx.params().toString());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return TaskResult.failure(
          TaskResult.ERROR, "cannot start " + ctx.command().get(0) + ": " + e.getMessage());
    }
    OutputTail tail = new OutputTail(TAIL_BYTES);
    // A platform thread: a blocking pipe read would pin a virtual thread's carrier.
    Thread pump =
        Thread.ofPlatform()
            .daemon()
            .name("exec-output-" + process.pid())
            .start(() -> tail.drain(process.getInputStream()));
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // The command does not read stdin; nothing to do.
    }
    boolean exited;
    try {
      exited = process.waitFor(Math.max(0, ctx.remaining().toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    if (!exited) {
      killTree(process);
      pump.join(DRAIN_MILLIS);
      return TaskResult.failure(
          TIMEOUT,
          "still running after "
              + ctx.timeout().toSeconds()
              + " s; killed it and its children. Output: "
              + tail.text());
    }
    // Children still running in the background may hold the pipe open: don't wait for them.
    pump.join(DRAIN_MILLIS);
    int code = process.exitValue();
    String output = tail.text();
    if (code == 0) {
      return TaskResult.success(TaskFailure.truncate(output));
    }
    return TaskResult.failure(
        TaskResult.ERROR, TaskFailure.truncate("exit code " + code + ": " + output));
  }

  /**
   * Kills the process and its descendants. The descendants are listed before anything dies, because
   * an orphan is re-parented and no longer shows up as a descendant.
   */
  static void killTree(Process process) {
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    tree.add(process.toHandle());
    process.descendants().forEach(tree::add);
    tree.forEach(ProcessHandle::destroyForcibly);
    // A child may have forked between the listing and the kill.
    List<ProcessHandle> late = new ArrayList<>();
    for (ProcessHandle handle : tree) {
      handle.descendants().filter(h -> !tree.contains(h)).forEach(late::add);
    }
    late.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
