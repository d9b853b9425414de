package dev.fanout.faults.plugin;

import dev.fanout.worker.spi.InvalidParameterException;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Test-only handler {@code append-index}: waits {@code ms} milliseconds (to keep tasks in flight),
 * then appends the task's index as one line to the file {@code file}. The file is opened with
 * O_APPEND, so lines that many threads and processes write at once never mix: the fault tests count
 * how often each index ran from it, the handler's own side effect, not from Fanout's bookkeeping.
 */
public final class AppendIndexHandler implements TaskHandler {
  @Override
  public String name() {
    return "append-index";
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException, IOException {
    String file = ctx.stringParam("file", null);
    if (file == null) {
      throw new InvalidParameterException("parameter \"file\" is required");
    }
    long ms = ctx.longParam("ms", 0);
    if (ms > 0) {
      Thread.sleep(ms);
    }
    Files.write(
        Path.of(file),
        (ctx.index() + "\n").getBytes(StandardCharsets.US_ASCII),
        StandardOpenOption.CREATE,
        StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    return TaskResult.success();
  }
}
