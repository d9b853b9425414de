package dev.fanout.operator.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the queues of the configured pools (FANOUT_POOLS) as the operator starts leading, so that
 * workers find their queue at once and a fresh install's first Job starts without waiting; while
 * SQS does not answer, it tries again every few seconds. Other pools get theirs at their first Job.
 * Then it watches for a queue lost while the operator runs.
 */
public final class PoolQueues implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PoolQueues.class);
  private static final long RETRY_SECONDS = 2;

  private final QueueAdmin queues;
  private final List<String> pools;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("pool-queues").factory());

  public PoolQueues(QueueAdmin queues, List<String> pools) {
    this.queues = queues;
    this.pools = List.copyOf(pools);
  }

  /** How often the queues in use are checked for a loss (see {@link QueueAdmin#verify}). */
  private static final long VERIFY_SECONDS = 30;

  /**
   * Creates what it can now, on the caller's thread; the rest follows in the background. Then
   * checks the queues in use every {@value #VERIFY_SECONDS} s.
   */
  public void start() {
    List<String> left = createAll(pools);
    if (!left.isEmpty()) {
      schedule(left);
    }
    timer.scheduleWithFixedDelay(this::verify, VERIFY_SECONDS, VERIFY_SECONDS, TimeUnit.SECONDS);
  }

  private void verify() {
    try {
      queues.verify();
    } catch (RuntimeException e) {
      // SQS away: readiness says so, and the next check tries again.
      log.debug("Cannot check the queues: {}", e.toString());
    }
  }

  private List<String> createAll(List<String> wanted) {
    List<String> left = new ArrayList<>();
    for (String pool : wanted) {
      try {
        queues.taskQueue(pool);
      } catch (RuntimeException e) {
        left.add(pool);
        log.warn(
            "Pool {}: cannot create its queue yet ({}); trying again in {} s",
            pool,
            e.toString(),
            RETRY_SECONDS);
      }
    }
    return left;
  }

  private void schedule(List<String> left) {
    try {
      timer.schedule(
          () -> {
            List<String> still = createAll(left);
            if (!still.isEmpty()) {
              schedule(still);
            }
          },
          RETRY_SECONDS,
          TimeUnit.SECONDS);
    } catch (RejectedExecutionException closing) {
      // The operator is stopping.
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
