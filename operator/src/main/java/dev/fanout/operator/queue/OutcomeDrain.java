package dev.fanout.operator.queue;

import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Messages.BadMessageException;
import dev.fanout.common.queue.Outcome;
import dev.fanout.operator.db.TaskState;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.db.TaskStore.OutcomeUpdate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Drains the outcome queue into the task rows: attempts, timings, last error, short result. A
 * message is deleted only after its batch is committed; one nobody can read is logged and removed.
 */
public final class OutcomeDrain implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutcomeDrain.class);

  private final SqsClient sqs;
  private final QueueAdmin queues;
  private final TaskStore store;
  private final Counter bad;
  private final Counter drained;
  private final List<Thread> threads = new ArrayList<>();
  private final Consumer<String> returned;
  private final ObjLongConsumer<String> durations;
  private volatile boolean running = true;

  /**
   * @param returned told the UID of each Job some of whose tasks came back unrun, to send them
   *     again if it runs
   * @param durations told each Job UID and how long one of its tasks ran (for {@link TaskPacking})
   */
  public OutcomeDrain(
      SqsClient sqs,
      QueueAdmin queues,
      TaskStore store,
      MeterRegistry registry,
      Consumer<String> returned,
      ObjLongConsumer<String> durations) {
    this.sqs = sqs;
    this.queues = queues;
    this.store = store;
    this.returned = returned;
    this.durations = durations;
    this.bad = registry.counter("fanout_bad_messages", "queue", "outcomes");
    this.drained = registry.counter("fanout_outcomes_drained");
  }

  public void start(int threadCount) {
    for (int i = 0; i < threadCount; i++) {
      threads.add(Thread.ofPlatform().daemon().name("outcome-drain-" + i).start(this::loop));
    }
  }

  private void loop() {
    int failures = 0;
    while (running) {
      try {
        drainOnce(20);
        failures = 0;
      } catch (RuntimeException e) {
        if (!running) {
          return; // closing: the receive under way was cut short on purpose
        }
        failures++;
        long pause = Math.min(30_000, 500L << Math.min(failures, 6));
        log.warn("Outcome queue: {}; trying again in {} ms", e.toString(), pause);
        sleep(pause);
      }
    }
  }

  /** Receives one batch (waiting up to {@code waitSeconds}) and applies it; returns its size. */
  public int drainOnce(int waitSeconds) {
    String url = queues.outcomeQueue();
    List<Message> messages =
        sqs.receiveMessage(
                b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds))
            .messages();
    if (messages.isEmpty()) {
      return 0;
    }
    List<OutcomeUpdate> updates = new ArrayList<>(messages.size());
    List<Outcome> handedBack = new ArrayList<>();
    for (Message m : messages) {
      try {
        for (Outcome o : Messages.decodeOutcomes(m.body())) {
          String problem = problem(o, System.currentTimeMillis());
          if (problem == null && o.kind() == Outcome.Kind.RETURNED) {
            handedBack.add(o);
          } else if (problem == null) {
            updates.add(update(o));
            if (o.startedAtMillis() != 0) {
              durations.accept(o.jobUid(), o.durationMillis());
            }
          } else {
            bad.increment();
            log.warn(
                "Outcome queue: dropping an outcome of {}/{} task {}: {}",
                o.namespace(),
                o.name(),
                o.index(),
                problem);
          }
        }
      } catch (BadMessageException e) {
        bad.increment();
        log.warn("Outcome queue: removing a message nobody can read: {}", e.getMessage());
      }
    }
    store.recordOutcomes(updates);
    if (!handedBack.isEmpty()) {
      store.returnUnrun(
          handedBack.stream()
              .map(o -> new TaskStore.Returned(o.jobUid(), o.index(), o.attempt()))
              .toList());
      handedBack.stream().map(Outcome::jobUid).distinct().forEach(returned);
    }
    List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      deletes.add(
          DeleteMessageBatchRequestEntry.builder()
              .id(Integer.toString(i))
              .receiptHandle(messages.get(i).receiptHandle())
              .build());
    }
    sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(deletes));
    drained.increment(updates.size());
    return messages.size();
  }

  /**
   * What makes an outcome impossible, or null: anything may send to the queue, and one outcome the
   * database cannot take (a time past its range) would fail its whole batch again and again.
   */
  static String problem(Outcome o, long nowMillis) {
    if (o.jobUid() == null || o.jobUid().isBlank()) {
      return "no Job UID";
    }
    if (o.kind() == null) {
      return "no kind";
    }
    if (o.index() < 0 || o.attempt() < 0) {
      return "a negative index or attempt";
    }
    if (o.startedAtMillis() != 0
        && (o.startedAtMillis() < EARLIEST_MILLIS
            || o.startedAtMillis() > nowMillis + SKEW_MILLIS)) {
      return "an impossible start time " + o.startedAtMillis();
    }
    if (o.durationMillis() < 0 || o.durationMillis() > LONGEST_MILLIS) {
      return "an impossible duration " + o.durationMillis() + " ms";
    }
    return null;
  }

  /** 2020-01-01: no attempt of a Fanout task started before. */
  private static final long EARLIEST_MILLIS = 1_577_836_800_000L;

  /** How far a worker's clock may run ahead of the operator's. */
  private static final long SKEW_MILLIS = 86_400_000L;

  /** A task runs 12 h at most (taskTimeoutSeconds); a day leaves room. */
  private static final long LONGEST_MILLIS = 86_400_000L;

  static OutcomeUpdate update(Outcome o) {
    TaskState state =
        switch (o.kind()) {
          case SUCCEEDED -> TaskState.SUCCEEDED;
          case FAILED -> TaskState.FAILED;
          case RETRYING, RETURNED -> TaskState.SENT;
        };
    Instant started = o.startedAtMillis() > 0 ? Instant.ofEpochMilli(o.startedAtMillis()) : null;
    Instant finished = started == null ? null : started.plusMillis(o.durationMillis());
    return new OutcomeUpdate(
        o.jobUid(),
        o.index(),
        state,
        o.attempt(),
        started,
        finished,
        o.durationMillis(),
        cut(o.reason() == null ? o.message() : o.reason() + ": " + o.message()),
        cut(o.result()));
  }

  private static String cut(String text) {
    if (text == null || text.equals("null: null")) {
      return null;
    }
    return text.length() <= 1024 ? text : text.substring(text.length() - 1024);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    threads.forEach(Thread::interrupt);
  }
}
