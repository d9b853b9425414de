package dev.fanout.operator.queue;

import dev.fanout.operator.db.TaskStore;
import java.time.Clock;
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

  public QueueLoss(TaskStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public void queueFound(String pool, String queueName, String incarnation) {
    TaskStore.Requeued requeued =
        store.requeueIfQueueChanged(pool, queueName, incarnation, clock.instant());
    if (requeued.tasks() > 0) {
      log.warn(
          "Pool {}: its queue is new (incarnation {}, the rows were sent into {}): {} unfinished"
              + " tasks of {} Jobs it no longer holds are sent again",
          pool,
          incarnation,
          requeued.previous(),
          requeued.tasks(),
          requeued.jobs());
    } else if (requeued.previous() != null && !requeued.previous().equals(incarnation)) {
      log.info("Pool {}: its queue is new (incarnation {}); no task was lost", pool, incarnation);
    }
  }
}
