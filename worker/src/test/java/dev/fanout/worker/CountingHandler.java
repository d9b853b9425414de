package dev.fanout.worker;

import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test handler {@code count}, registered through ServiceLoader from the test resources: counts how
 * often each task ran, optionally sleeping {@code ms} first; the first run of each task below index
 * {@code slow} sleeps {@code slowMs} instead, so that a task stopped once runs quickly the next
 * time.
 */
public final class CountingHandler implements TaskHandler {
  private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> RUNNING = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> MOST_RUNNING = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "count";
  }

  @Override
  public TaskResult run(TaskContext ctx) throws InterruptedException {
    int run =
        RUNS.computeIfAbsent(key(ctx.jobUid(), ctx.index()), k -> new AtomicInteger())
            .incrementAndGet();
    long ms = ctx.longParam("ms", 0);
    boolean slow = run == 1 && ctx.index() < ctx.longParam("slow", 0);
    AtomicInteger running = RUNNING.computeIfAbsent(ctx.jobUid(), k -> new AtomicInteger());
    int now = running.incrementAndGet();
    MOST_RUNNING
        .computeIfAbsent(ctx.jobUid(), k -> new AtomicInteger())
        .accumulateAndGet(now, Math::max);
    try {
      Thread.sleep(slow ? ctx.longParam("slowMs", ms) : ms);
    } finally {
      running.decrementAndGet();
    }
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

  /** The most tasks of that Job that ran at once. */
  static int mostAtOnce(String uid) {
    AtomicInteger most = MOST_RUNNING.get(uid);
    return most == null ? 0 : most.get();
  }

  /** How many runs all tasks of that Job made together. */
  static int runs(String uid) {
    return RUNS.entrySet().stream()
        .filter(e -> e.getKey().startsWith(uid + "/"))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }
}
