package dev.fanout.worker;

import dev.fanout.common.queue.Messages;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Gives the tasks of a stopping worker back to the queue without spending an attempt (invariant
 * 10), and tallies what became of the tasks it held: finished, handed back unstarted, handed back
 * stopped.
 *
 * <p>A task goes back as a copy of its message that counts this delivery's attempt as not made
 * ({@link Delivery#unrunCopy()}), visible at once; then the message itself is deleted. Making the
 * message visible again (ChangeMessageVisibility 0) would not do: its next receipt raises the
 * receive count, which is the attempt number. The copy is sent first, so a worker that dies between
 * the two calls leaves a duplicate, which each task's counting once absorbs (invariant 1), rather
 * than nothing.
 */
final class HandBack {
  private static final Logger log = LoggerFactory.getLogger(HandBack.class);

  private final TaskQueue queue;
  private final WorkerMetrics metrics;
  private final Clock clock;
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicInteger unstarted = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();

  /** What became of the tasks a worker held when told to stop. */
  record Tally(int finished, int unstarted, int stopped) {}

  HandBack(TaskQueue queue, WorkerMetrics metrics, Clock clock) {
    this.queue = queue;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Messages received once the worker was stopping: none of them started here. */
  void unstarted(List<Message> messages) {
    for (Message message : messages) {
      List<Delivery> deliveries;
      try {
        deliveries = Delivery.all(message, clock.millis());
      } catch (Messages.BadMessageException e) {
        // Not a task: whoever receives it next deletes it.
        release(message);
        continue;
      }
      for (Delivery delivery : deliveries) {
        task(delivery, List.of(), false);
      }
    }
  }

  /**
   * A task this worker holds: it goes back at once, and the copies of its message that waited for
   * it here are deleted (the one copy sent stands for them all).
   *
   * @param started whether it ran here (and was stopped after the grace period)
   */
  void task(Delivery delivery, List<Delivery> copies, boolean started) {
    if (!give(delivery, copies)) {
      return;
    }
    (started ? stopped : unstarted).incrementAndGet();
    metrics.handedBack(started);
    if (started) {
      log.info(
          "Job {}: task {} stopped by shutdown; handed back, attempt {} not counted",
          delivery.jobRef(),
          index(delivery),
          delivery.attempt());
    } else {
      log.debug("Job {}: task {} handed back unstarted", delivery.jobRef(), index(delivery));
    }
  }

  /** A task that ended with an outcome while the worker was stopping. */
  void finished() {
    finished.incrementAndGet();
  }

  Tally tally() {
    return new Tally(finished.get(), unstarted.get(), stopped.get());
  }

  private boolean give(Delivery delivery, List<Delivery> copies) {
    try {
      queue.handBack(delivery);
    } catch (RuntimeException e) {
      // Nothing was sent, nothing deleted: the message comes back after its visibility timeout,
      // and that delivery counts as an attempt.
      log.warn(
          "Job {}: cannot hand task {} back ({}); it comes back after its visibility timeout",
          delivery.jobRef(),
          index(delivery),
          e.toString());
      return false;
    }
    if (!copies.isEmpty()) {
      try {
        queue.deleteAll(copies);
      } catch (RuntimeException e) {
        // They come back after their visibility timeout, as duplicates of the copy sent.
        log.debug(
            "Job {}: cannot delete copies of task {}: {}", delivery.jobRef(), index(delivery), e);
      }
    }
    return true;
  }

  private void release(Message message) {
    try {
      queue.release(message.receiptHandle());
    } catch (RuntimeException e) {
      log.debug("Cannot release message {}: {}", message.messageId(), e.toString());
    }
  }

  private static int index(Delivery delivery) {
    return delivery.task().index();
  }
}
