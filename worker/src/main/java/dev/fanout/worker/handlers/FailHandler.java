package dev.fanout.worker.handlers;

import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.util.List;

/**
 * Built-in {@code fail}: fails as its parameters say, to exercise retries and failure policy.
 * {@code failAttempts} n fails attempts 1..n of every task; {@code failIndexes} fails those indexes
 * on every attempt.
 */
public final class FailHandler implements TaskHandler {
  @Override
  public String name() {
    return "fail";
  }

  @Override
  public TaskResult run(TaskContext ctx) {
    int failAttempts = ctx.intParam("failAttempts", 0);
    List<Integer> failIndexes = ctx.intListParam("failIndexes");
    if (failIndexes.contains(ctx.index())) {
      return TaskResult.failure(
          TaskResult.ERROR, "index " + ctx.index() + " is in failIndexes: fails every attempt");
    }
    if (ctx.attempt() <= failAttempts) {
      return TaskResult.failure(
          TaskResult.ERROR,
          "attempt " + ctx.attempt() + " fails as told (failAttempts " + failAttempts + ")");
    }
    return TaskResult.success();
  }
}
