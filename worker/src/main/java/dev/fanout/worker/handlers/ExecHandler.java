package dev.fanout.worker.handlers;

import dev.fanout.api.TaskFailure;
import dev.fanout.common.status.Reasons;
import dev.fanout.worker.WorkerConfig;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Built-in {@code exec}: runs {@code spec.command} as a child process with the task in its
 * environment and without the worker's credentials (see {@link ChildEnvironment}). Exit 0 succeeds
 * with the tail of the output as result; anything else fails with the tail of stdout and stderr as
 * message. When the attempt ends, however it ends, every process it started is killed.
 */
public final class ExecHandler implements TaskHandler {
  private static final Logger log = LoggerFactory.getLogger(ExecHandler.class);

  public static final String NAME = "exec";

  /** More than the 1 KiB the status keeps, so a cut multi-byte character costs nothing. */
  private static final int TAIL_BYTES = 4096;

  /** Longest pause between two looks at the output while the command is quiet. */
  private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** Most output read in one go, so a chatty command cannot hold off the timeout check. */
  private static final int MAX_READ_BYTES = 1 << 20;

  private final Map<String, String> workerEnvironment;
  private final String disabledOnPool;

  /** The built-in, as ServiceLoader makes it: commands run. */
  public ExecHandler() {
    this(System.getenv());
  }

  /** Commands run with what {@link ChildEnvironment} keeps of this environment. */
  ExecHandler(Map<String, String> workerEnvironment) {
    this(Map.copyOf(workerEnvironment), null);
  }

  private ExecHandler(Map<String, String> workerEnvironment, String disabledOnPool) {
    this.workerEnvironment = workerEnvironment;
    this.disabledOnPool = disabledOnPool;
  }

  /** The {@code exec} of a worker with {@code FANOUT_EXEC_ENABLED=false}: every task fails. */
  public static ExecHandler disabled(String pool) {
    return new ExecHandler(Map.of(), pool);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException {
    if (disabledOnPool != null) {
      return TaskResult.permanentFailure(
          Reasons.EXEC_DISABLED,
          "handler exec is turned off on the workers of pool \""
              + disabledOnPool
              + "\" ("
              + WorkerConfig.EXEC_ENABLED.name()
              + "=false); no command ran. Run the Job on a pool that allows exec (spec.pool)");
    }
    if (ctx.command().isEmpty()) {
      return TaskResult.permanentFailure(
          "InvalidParameters", "handler exec needs spec.command, and the Job has none");
    }
    String execId = UUID.randomUUID().toString();
    ProcessBuilder builder = new ProcessBuilder(ctx.command()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(ChildEnvironment.of(workerEnvironment, ctx, execId));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return TaskResult.failure(
          TaskResult.ERROR, "cannot start " + ctx.command().get(0) + ": " + e.getMessage());
    }
    ProcessTree tree = new ProcessTree(process, execId);
    OutputTail tail = new OutputTail(TAIL_BYTES);
    InputStream output = process.getInputStream();
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // The command does not read stdin; nothing to do.
    }
    try {
      boolean exited = collectUntilExit(process, output, tail, ctx);
      // Whatever it left running in the background goes too: an attempt owns nothing after it.
      reap(tree, ctx);
      readAvailable(output, tail);
      if (!exited) {
        return TaskResult.failure(
            Reasons.TIMEOUT,
            "still running after "
                + ctx.timeout().toSeconds()
                + " s; killed it and its children. Output: "
                + tail.text());
      }
      int code = process.exitValue();
      String text = tail.text();
      if (code == 0) {
        return TaskResult.success(TaskFailure.truncate(text));
      }
      return TaskResult.exited(code, TaskFailure.truncate("exit code " + code + ": " + text));
    } catch (InterruptedException e) {
      reap(tree, ctx);
      throw e;
    } finally {
      try {
        output.close();
      } catch (IOException e) {
        // Closing a pipe of a dead process: nothing to keep.
      }
    }
  }

  /**
   * Reads the output as it comes until the command exits or its time is up, without a thread of its
   * own: a background child may keep the pipe open long after, and a reader blocked on it would be
   * left behind.
   *
   * @return true when the command exited, false on timeout
   */
  private static boolean collectUntilExit(
      Process process, InputStream output, OutputTail tail, TaskContext ctx)
      throws InterruptedException {
    long idle = 0;
    while (true) {
      boolean read = readAvailable(output, tail) > 0;
      long left = ctx.remaining().toNanos();
      if (left <= 0) {
        return !process.isAlive();
      }
      idle =
          read ? 0 : Math.min(MAX_IDLE_NANOS, Math.max(TimeUnit.MILLISECONDS.toNanos(1), idle * 2));
      if (process.waitFor(Math.min(idle, left), TimeUnit.NANOSECONDS)) {
        return true;
      }
    }
  }

  /** Reads what the pipe holds now, never blocking. */
  private static int readAvailable(InputStream output, OutputTail tail) {
    byte[] buffer = new byte[8192];
    int total = 0;
    try {
      int available;
      while (total < MAX_READ_BYTES && (available = output.available()) > 0) {
        int n = output.read(buffer, 0, Math.min(available, buffer.length));
        if (n < 0) {
          break;
        }
        tail.append(buffer, n);
        total += n;
      }
    } catch (IOException e) {
      // The pipe is closed: what was read so far is the output.
    }
    return total;
  }

  private static void reap(ProcessTree tree, TaskContext ctx) {
    Set<ProcessHandle> left = tree.kill();
    if (!left.isEmpty()) {
      log.warn(
          "Job {} task {}: {} process(es) of the exec command survived the kill: {}",
          ctx.jobRef(),
          ctx.index(),
          left.size(),
          left.stream().map(h -> Long.toString(h.pid())).toList());
    }
  }
}
