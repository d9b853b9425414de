package dev.fanout.worker.handlers;

import dev.fanout.worker.spi.InvalidParameterException;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;

/** Built-in {@code sleep}: sleeps {@code ms} milliseconds (default 0), then succeeds. */
public final class SleepHandler implements TaskHandler {
  @Override
  public String name() {
    return "sleep";
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException {
    long ms = ctx.longParam("ms", 0);
    if (ms < 0) {
      throw new InvalidParameterException("parameter \"ms\" must not be negative, was " + ms);
    }
    // Interruptible: a timeout or shutdown ends the sleep.
    Thread.sleep(ms);
    return TaskResult.success();
  }
}
