package dev.fanout.operator.queue;

import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Messages.BadMessageException;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import dev.fanout.common.status.Reasons;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskState;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.db.TaskStore.OutcomeUpdate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Drains each pool's dead-letter queue: a task whose message landed there (it kept killing its
 * workers, or slipped past them) is failed with reason DeadLettered, once however many copies
 * arrive; a message nobody can read is logged with its first bytes, counted and removed.
 */
public final class DeadLetterDrain implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterDrain.class);

  private final SqsClient sqs;
  private final QueueAdmin queues;
  private final TaskStore store;
  private final JobStatusWriter statusWriter;
  private final int maxReceiveCount;
  private final Clock clock;
  private final Counter bad;
  private volatile boolean running = true;
  private Thread thread;

  public DeadLetterDrain(
      SqsClient sqs,
      QueueAdmin queues,
      TaskStore store,
      JobStatusWriter statusWriter,
      int maxReceiveCount,
      MeterRegistry registry,
      Clock clock) {
    this.sqs = sqs;
    this.queues = queues;
    this.store = store;
    this.statusWriter = statusWriter;
    this.maxReceiveCount = maxReceiveCount;
    this.clock = clock;
    this.bad = registry.counter("fanout_bad_messages", "queue", "dlq");
  }

  public void start() {
    thread = Thread.ofPlatform().daemon().name("dead-letter-drain").start(this::loop);
  }

  private void loop() {
    int failures = 0;
    while (running) {
      try {
        int drained = 0;
        for (String pool : queues.pools()) {
          drained += drainOnce(pool, 1);
        }
        failures = 0;
        if (drained == 0) {
          Thread.sleep(1000);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return; // closing: the receive under way was cut short on purpose
        }
        failures++;
        long pause = Math.min(30_000, 500L << Math.min(failures, 6));
        log.warn("Dead-letter queues: {}; trying again in {} ms", e.toString(), pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** Receives one batch from the pool's DLQ and settles it; returns how many messages came. */
  public int drainOnce(String pool, int waitSeconds) {
    String url = queues.deadLetterQueue(pool);
    List<Message> messages =
        sqs.receiveMessage(
                b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds))
            .messages();
    for (Message m : messages) {
      if (settle(pool, m)) {
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
      }
    }
    return messages.size();
  }

  /** True when the message may go: recorded, already recorded, its Job gone, or unreadable. */
  private boolean settle(String pool, Message m) {
    TaskMessage task;
    try {
      task = Messages.decodeTask(m.body());
    } catch (BadMessageException e) {
      bad.increment();
      log.warn("Pool {}: removing a dead letter nobody can read: {}", pool, e.getMessage());
      return true;
    }
    if (task.isPacked()) {
      // Each task it carries fails that is not recorded yet; the others stay as they are.
      List<Integer> indexes = new ArrayList<>();
      task.tasks().forEach(indexes::add);
      boolean all = true;
      for (int index : indexes) {
        all &= settle(pool, task.single(index, null)); // its parameters do not matter here
      }
      return all;
    }
    return settle(pool, task);
  }

  /** As {@link #settle(String, Message)}, for one task. */
  private boolean settle(String pool, TaskMessage task) {
    // A message is input, not authority: only a task the rows know is failed, with the rows' total.
    JobRecord job = store.find(task.jobUid());
    if (job == null
        || !job.getNamespace().equals(task.namespace())
        || !job.getName().equals(task.name())
        || !store.hasTask(task.jobUid(), task.index())) {
      bad.increment();
      log.warn(
          "Pool {}: removing a dead letter of no known task ({}/{} task {}, uid {})",
          pool,
          task.namespace(),
          task.name(),
          task.index(),
          task.jobUid());
      return true;
    }
    int attempts = task.priorAttempts() + maxReceiveCount;
    String message =
        "delivered "
            + maxReceiveCount
            + " times without an outcome; moved to the dead-letter"
            + " queue (its worker may have died running it)";
    JobStatusWriter.Result result =
        statusWriter.record(
            task.namespace(),
            task.name(),
            task.jobUid(),
            job.getTotal(),
            null,
            List.of(Finished.failure(task.index(), attempts, Reasons.DEAD_LETTERED, message)));
    if (result == JobStatusWriter.Result.WRITTEN || result == JobStatusWriter.Result.FINISHED) {
      // Once the Job is finished the status counts nothing more; the row still tells.
      log.info(
          "Job {}: task {} failed: {}{}",
          task.jobRef(),
          task.index(),
          Reasons.DEAD_LETTERED,
          result == JobStatusWriter.Result.FINISHED
              ? " (after the Job finished: not counted)"
              : "");
      store.recordOutcomes(
          List.of(
              new OutcomeUpdate(
                  task.jobUid(),
                  task.index(),
                  TaskState.FAILED,
                  attempts,
                  null,
                  clock.instant(),
                  null,
                  Reasons.DEAD_LETTERED + ": " + message,
                  null)));
    }
    return true;
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
