package dev.fanout.worker;

import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

  /** Deletes the messages; returns how many SQS refused (a stale receipt, say). */
  int deleteAll(List<Delivery> deliveries) {
    return inBatches(
        deliveries,
        chunk -> {
          List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
          for (int i = 0; i < chunk.size(); i++) {
            entries.add(
                DeleteMessageBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .receiptHandle(chunk.get(i).receiptHandle())
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

  /** Hides the message for that long from now; 0 makes it visible at once. */
  void changeVisibility(Delivery delivery, int seconds) {
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
