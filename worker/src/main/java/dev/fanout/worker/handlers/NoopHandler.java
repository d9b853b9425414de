package dev.fanout.worker.handlers;

import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;

/** Built-in {@code noop}: succeeds at once. */
public final class NoopHandler implements TaskHandler {
  @Override
  public String name() {
    return "noop";
  }

  @Override
  public TaskResult run(TaskContext ctx) {
    return TaskResult.success();
  }
}
