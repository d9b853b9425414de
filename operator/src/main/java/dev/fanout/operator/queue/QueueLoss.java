package dev.fanout.operator.queue;

import dev.fanout.operator.db.TaskStore;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invariant 9, the queue can be lost: when a pool's queue turns out to be another incarnation than
 * the one the task rows were sent into (an embedded queue restarted with its operator, a queue
 * deleted and made again), every task the rows call sent but unfinished goes back to PENDING, to be
 * sent again. The status, not the queue, decides what is finished; a copy that was not lost after
 * all is dropped by the workers as a duplicate.
 */
public final class QueueLoss implements QueueAdmin.NewQueueListener {
  private static final Logger log = LoggerFactory.getLogger(QueueLoss.class);

  private final TaskStore store;
  private final Clock clock;
  private final java.util.function.Consumer<String> wake;

  /**
   * @param wake told the UID of each Job whose tasks go back to PENDING, to send them again if it
   *     runs (at start no pass runs yet; later, a queue lost under a running operator)
   */
  public QueueLoss(TaskStore store, Clock clock, java.util.function.Consumer<String> wake) {
    this.store = store;
    this.clock = clock;
    this.wake = wake;
  }

  @Override
  public void queueFound(String pool, String queueName, String incarnation, Instant createdAt) {
    TaskStore.Requeued requeued =
        store.requeueIfQueueChanged(pool, queueName, incarnation, createdAt, clock.instant());
    if (requeued.tasks() > 0) {
      log.warn(
          "Pool {}: its queue is new (incarnation {}, the rows were sent into {}): {} unfinished"
              + " tasks of {} Jobs it no longer holds are sent again",
          pool,
          incarnation,
          requeued.previous(),
          requeued.tasks(),
          requeued.jobs().size());
      requeued.jobs().forEach(wake);
    } else if (requeued.previous() != null && !requeued.previous().equals(incarnation)) {
      log.info("Pool {}: its queue is new (incarnation {}); no task was lost", pool, incarnation);
    }
  }
}
