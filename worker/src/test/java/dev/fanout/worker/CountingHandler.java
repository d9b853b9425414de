package dev.fanout.worker;

import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test handler {@code count}, registered through ServiceLoader from the test resources: counts how
 * often each task ran, optionally sleeping {@code ms} first.
 */
public final class CountingHandler implements TaskHandler {
  private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "count";
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException {
    RUNS.computeIfAbsent(key(ctx.jobUid(), ctx.index()), k -> new AtomicInteger())
        .incrementAndGet();
    Thread.sleep(ctx.longParam("ms", 0));
    return TaskResult.success("ran " + ctx.index());
  }

  private static String key(String uid, int index) {
    return uid + "/" + index;
  }

  /** How often that task of that Job ran. */
  static int runs(String uid, int index) {
    AtomicInteger runs = RUNS.get(key(uid, index));
    return runs == null ? 0 : runs.get();
  }

  /** How many runs all tasks of that Job made together. */
  static int runs(String uid) {
    return RUNS.entrySet().stream()
        .filter(e -> e.getKey().startsWith(uid + "/"))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }
}
