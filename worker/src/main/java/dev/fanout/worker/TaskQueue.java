package dev.fanout.worker;

import dev.fanout.api.IndexSet;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The calls the worker makes on its task queue and on the outcome queue, batched by ten where SQS
 * allows, the batches of one call sent side by side. Long polls go through a client of their own,
 * so they never hold up the others' connections.
 */
final class TaskQueue {
  private static final Logger log = LoggerFactory.getLogger(TaskQueue.class);
  static final int BATCH = 10;
  static final int MAX_DELAY_SECONDS = 900;

  /** Ten of these fit in one SendMessageBatch, whose payload SQS caps at 256 KiB. */
  static final int OUTCOME_MESSAGE_BYTES = 24 * 1024;

  private final SqsClient receiver;
  private final SqsClient sqs;
  private final QueueConnector connector;
  private final ExecutorService batchCalls =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sqs-batch-", 0).factory());

  TaskQueue(SqsClient receiver, SqsClient sqs, QueueConnector connector) {
    this.receiver = receiver;
    this.sqs = sqs;
    this.connector = connector;
  }

  private String tasksUrl() {
    return connector.endpoints().tasksUrl();
  }

  List<Message> receive(int max, int waitSeconds) {
    return receiver
        .receiveMessage(
            r ->
                r.queueUrl(tasksUrl())
                    .maxNumberOfMessages(max)
                    .waitTimeSeconds(waitSeconds)
                    .messageSystemAttributeNames(
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                        MessageSystemAttributeName.SENT_TIMESTAMP))
        .messages();
  }

  void delete(String receiptHandle) {
    sqs.deleteMessage(r -> r.queueUrl(tasksUrl()).receiptHandle(receiptHandle));
  }

  /**
   * The task needs nothing more of its message: the message is deleted; for a task of a message of
   * several, the task is settled, and the message goes once all its tasks are.
   */
  void settle(Delivery delivery) {
    if (delivery.packed() == null) {
      delete(delivery.receiptHandle());
    } else {
      settle(delivery, null);
    }
  }

  /**
   * Deletes the messages of these tasks, as {@link #settle} does; returns how many SQS refused (a
   * stale receipt, say), or that could not go yet.
   */
  int deleteAll(List<Delivery> deliveries) {
    List<String> receipts = new ArrayList<>(deliveries.size());
    int failed = 0;
    for (Delivery d : deliveries) {
      if (d.packed() == null) {
        receipts.add(d.receiptHandle());
      } else if (d.packed().settle(d.task().index(), null)) {
        try {
          sendCopies(d.packed());
          receipts.add(d.packed().receiptHandle());
        } catch (RuntimeException e) {
          // It comes back after its visibility timeout, and its tasks not recorded go on alone.
          log.warn("Cannot send on the tasks of {}: {}", d.packed(), e.toString());
          failed++;
        }
      }
    }
    return failed
        + inBatches(
            receipts,
            chunk -> {
              List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
              for (int i = 0; i < chunk.size(); i++) {
                entries.add(
                    DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .receiptHandle(chunk.get(i))
                        .build());
              }
              var response = sqs.deleteMessageBatch(r -> r.queueUrl(tasksUrl()).entries(entries));
              return logFailures("delete", response.failed());
            });
  }

  /** Makes the message visible again at once. */
  void release(String receiptHandle) {
    sqs.changeMessageVisibility(
        r -> r.queueUrl(tasksUrl()).receiptHandle(receiptHandle).visibilityTimeout(0));
  }

  /**
   * The task's next attempt comes in {@code seconds}: its message is hidden for that long (its next
   * receipt makes the next attempt); a task of a message of several goes on in a message of its
   * own, sent with that delay, which makes the next attempt.
   */
  void retryLater(Delivery delivery, int seconds) {
    retryLater(delivery, seconds, null);
  }

  /**
   * As {@link #retryLater(Delivery, int)}; a task of a message of several reports {@code outcome}
   * to the operator with the others of its message, when the message goes, rather than alone now.
   */
  void retryLater(Delivery delivery, int seconds, Outcome outcome) {
    if (delivery.packed() == null) {
      changeVisibility(delivery, seconds);
    } else {
      settle(delivery, new Packed.Copy(delivery.retryCopy(), seconds, false, outcome));
    }
  }

  /**
   * A copy of a task that waited here for its run to end comes back in {@code seconds}, as the run
   * it waited for does; a task of a message of several as a message of its own, unrun.
   */
  void returnLater(Delivery delivery, int seconds) {
    if (delivery.packed() == null) {
      changeVisibility(delivery, seconds);
    } else {
      settle(delivery, new Packed.Copy(delivery.unrunCopy(), seconds, false));
    }
  }

  /**
   * A task of a message of several that came again ({@link Delivery#redeliveredPacked()}) goes on
   * in a message of its own, at once, without running here.
   */
  void split(Delivery delivery) {
    settle(delivery, new Packed.Copy(delivery.splitCopy(), 0, true));
  }

  /** Hides the message for that long from now; 0 makes it visible at once. */
  private void changeVisibility(Delivery delivery, int seconds) {
    sqs.changeMessageVisibility(
        r ->
            r.queueUrl(tasksUrl())
                .receiptHandle(delivery.receiptHandle())
                .visibilityTimeout(seconds));
  }

  /** The heartbeat: keeps these messages hidden for another {@code seconds}. */
  void extend(List<Delivery> deliveries, int seconds) {
    inBatches(
        deliveries,
        chunk -> {
          List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(chunk.size());
          for (int i = 0; i < chunk.size(); i++) {
            entries.add(
                ChangeMessageVisibilityBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .receiptHandle(chunk.get(i).receiptHandle())
                    .visibilityTimeout(seconds)
                    .build());
          }
          var response =
              sqs.changeMessageVisibilityBatch(r -> r.queueUrl(tasksUrl()).entries(entries));
          return logFailures("extend visibility", response.failed());
        });
  }

  /**
   * Sends outcomes to the operator.
   *
   * @throws IllegalStateException when SQS refused any of them, so the caller tries again
   */
  void sendOutcomes(List<Outcome> outcomes) {
    String url = connector.endpoints().outcomesUrl();
    int refused =
        inBatches(
            pack(outcomes),
            chunk -> {
              List<SendMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
              for (int i = 0; i < chunk.size(); i++) {
                entries.add(
                    SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .messageBody(chunk.get(i))
                        .build());
              }
              var response = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
              return logFailures("send outcome", response.failed());
            });
    if (refused > 0) {
      throw new IllegalStateException("SQS refused " + refused + " outcome messages");
    }
  }

  /**
   * The outcomes as message bodies, JSON arrays of up to {@link #OUTCOME_MESSAGE_BYTES} each: one
   * message per outcome made the outcome queue cost as much as the task queue.
   */
  static List<String> pack(List<Outcome> outcomes) {
    List<String> bodies = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    int bytes = 0;
    for (Outcome outcome : outcomes) {
      String json = Messages.encode(outcome);
      int size = json.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > 0 && bytes + size + 2 > OUTCOME_MESSAGE_BYTES) {
        bodies.add(body.append(']').toString());
        body.setLength(0);
        bytes = 0;
      }
      body.append(bytes == 0 ? '[' : ',').append(json);
      bytes += size + 1;
    }
    if (bytes > 0) {
      bodies.add(body.append(']').toString());
    }
    return bodies;
  }

  /**
   * Puts the task back for later without spending an attempt: a copy that counts this delivery's
   * attempt as not made goes on the queue with a delay, then this message is deleted. Changing the
   * visibility instead would raise the receive count, and so the attempt number, each time.
   */
  void defer(Delivery delivery, int delaySeconds) {
    if (delivery.packed() != null) {
      settle(delivery, new Packed.Copy(delivery.unrunCopy(), delaySeconds, false));
      return;
    }
    sendCopy(delivery, delaySeconds);
    delete(delivery.receiptHandle());
  }

  /**
   * As {@link #defer} with no delay, for a worker that stops: the copy is visible at once. A delete
   * that fails leaves a duplicate, hidden until its visibility timeout; when it comes back, the
   * copy has run and it is dropped as already recorded.
   *
   * @throws RuntimeException when the copy could not be sent; then nothing was deleted
   */
  void handBack(Delivery delivery) {
    if (delivery.packed() != null) {
      settle(delivery, new Packed.Copy(delivery.unrunCopy(), 0, false));
      return;
    }
    sendCopy(delivery, 0);
    try {
      delete(delivery.receiptHandle());
    } catch (RuntimeException e) {
      log.debug("Cannot delete message {} handed back: {}", delivery.messageId(), e.toString());
    }
  }

  /**
   * Sends the task again after an attempt spec.failurePolicy ignores, then deletes this message:
   * the copy makes the same attempt again, and carries the deliveries made so far toward the
   * receive ceiling ({@link Delivery#ignoredCopy()}).
   */
  void ignore(Delivery delivery, int delaySeconds) {
    ignore(delivery, delaySeconds, null);
  }

  /** As {@link #ignore(Delivery, int)}, with the outcome to report as {@link #retryLater} does. */
  void ignore(Delivery delivery, int delaySeconds, Outcome outcome) {
    if (delivery.packed() != null) {
      settle(delivery, new Packed.Copy(delivery.ignoredCopy(), delaySeconds, false, outcome));
      return;
    }
    sendCopy(delivery.ignoredCopy(), delaySeconds);
    delete(delivery.receiptHandle());
  }

  /** The task queue's receive ceiling ({@code maxReceiveCount}). */
  int receiveCeiling() {
    QueueConnector.Endpoints endpoints = connector.endpoints();
    return endpoints == null
        ? QueueConnector.Endpoints.DEFAULT_RECEIVE_CEILING
        : endpoints.receiveCeiling();
  }

  /**
   * Settles a task of a message of several; the last one closes the message: the copies go first,
   * then the message. When they cannot be sent the message stays, to come back after its visibility
   * timeout, when its tasks not yet recorded go on alone.
   *
   * @throws RuntimeException when closing the message failed
   */
  private void settle(Delivery delivery, Packed.Copy copy) {
    Packed packed = delivery.packed();
    if (packed.settle(delivery.task().index(), copy)) {
      sendCopies(packed);
      delete(packed.receiptHandle());
    }
  }

  /**
   * Sends the copies of a closed message: those that make the same attempt after the same delay
   * travel together, as the tasks of one message; those split off go alone.
   */
  private void sendCopies(Packed packed) {
    List<Packed.Copy> copies = packed.copies();
    if (copies.isEmpty()) {
      return;
    }
    List<Outcome> outcomes =
        copies.stream().map(Packed.Copy::outcome).filter(java.util.Objects::nonNull).toList();
    if (!outcomes.isEmpty()) {
      try {
        sendOutcomes(outcomes);
      } catch (RuntimeException e) {
        // The operator learns of these attempts from the tasks' next outcomes.
        log.debug("Cannot report {} attempts of {}: {}", outcomes.size(), packed, e.toString());
      }
    }
    record Group(int attempts, int deliveries, int delay) {}
    Map<Group, List<TaskMessage>> groups = new LinkedHashMap<>();
    List<Packed.Copy> messages = new ArrayList<>();
    for (Packed.Copy copy : copies) {
      if (copy.alone()) {
        messages.add(copy);
        continue;
      }
      TaskMessage t = copy.task();
      Group group = new Group(t.priorAttempts(), t.priorDeliveries(), copy.delaySeconds());
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(t);
    }
    groups.forEach(
        (group, tasks) -> {
          tasks.sort(java.util.Comparator.comparingInt(TaskMessage::index));
          IndexSet indexes = IndexSet.of(tasks.stream().map(TaskMessage::index).toList());
          messages.add(
              new Packed.Copy(
                  tasks
                      .get(0)
                      .carrying(
                          indexes,
                          tasks.stream().map(TaskMessage::params).toList(),
                          group.attempts(),
                          group.deliveries()),
                  group.delay(),
                  false));
        });
    int refused =
        inBatches(
            messages,
            chunk -> {
              List<SendMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
              for (int i = 0; i < chunk.size(); i++) {
                Packed.Copy copy = chunk.get(i);
                entries.add(
                    SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .messageBody(Messages.encode(copy.task()))
                        .delaySeconds(Math.max(0, Math.min(MAX_DELAY_SECONDS, copy.delaySeconds())))
                        .build());
              }
              var response = sqs.sendMessageBatch(r -> r.queueUrl(tasksUrl()).entries(entries));
              return logFailures("send a task on", response.failed());
            });
    if (refused > 0) {
      throw new IllegalStateException("SQS refused " + refused + " of the tasks sent on");
    }
  }

  private void sendCopy(Delivery delivery, int delaySeconds) {
    sendCopy(delivery.unrunCopy(), delaySeconds);
  }

  private void sendCopy(TaskMessage copy, int delaySeconds) {
    String body = Messages.encode(copy);
    int delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, delaySeconds));
    sqs.sendMessage(r -> r.queueUrl(tasksUrl()).messageBody(body).delaySeconds(delay));
  }

  private static int logFailures(String what, List<BatchResultErrorEntry> failed) {
    for (BatchResultErrorEntry entry : failed) {
      log.debug(
          "SQS refused to {} (entry {}): {} {}", what, entry.id(), entry.code(), entry.message());
    }
    return failed.size();
  }

  /**
   * Makes one call per ten items, side by side: a call costs milliseconds of waiting and almost no
   * work. Returns the sum of what the calls return.
   *
   * @throws RuntimeException the first call's failure, after all calls ended
   */
  private <T> int inBatches(List<T> items, ToIntFunction<List<T>> call) {
    List<List<T>> chunks = new ArrayList<>();
    for (int from = 0; from < items.size(); from += BATCH) {
      chunks.add(items.subList(from, Math.min(items.size(), from + BATCH)));
    }
    if (chunks.size() == 1) {
      return call.applyAsInt(chunks.get(0));
    }
    List<Future<Integer>> calls = new ArrayList<>(chunks.size());
    for (List<T> chunk : chunks) {
      calls.add(batchCalls.submit(() -> call.applyAsInt(chunk)));
    }
    int sum = 0;
    RuntimeException failure = null;
    for (Future<Integer> f : calls) {
      try {
        sum += f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException r
                  ? r
                  : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during SQS batch calls", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
    return sum;
  }
}
