package dev.fanout.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.IndexSet;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.TaskMessage;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One received task: the task, which attempt this delivery makes, and the receipt handle that
 * deletes its message or changes its visibility. A message that carries several tasks is received
 * as one delivery per task, sharing the message ({@code packed}), which goes once each is settled.
 */
record Delivery(
    String messageId,
    String receiptHandle,
    TaskMessage task,
    int attempt,
    long receivedAtMillis,
    long sentAtMillis,
    int deliveries,
    Packed packed) {

  Delivery(
      String messageId,
      String receiptHandle,
      TaskMessage task,
      int attempt,
      long receivedAtMillis,
      long sentAtMillis,
      int deliveries) {
    this(messageId, receiptHandle, task, attempt, receivedAtMillis, sentAtMillis, deliveries, null);
  }

  /** A delivery whose attempts all counted: as many deliveries as attempts. */
  Delivery(
      String messageId,
      String receiptHandle,
      TaskMessage task,
      int attempt,
      long receivedAtMillis,
      long sentAtMillis) {
    this(messageId, receiptHandle, task, attempt, receivedAtMillis, sentAtMillis, attempt);
  }

  /**
   * The delivery of a message that carries one task.
   *
   * @throws Messages.BadMessageException when the body is not a task message, or carries several
   */
  static Delivery of(Message message, long nowMillis) {
    List<Delivery> all = all(message, nowMillis);
    if (all.size() != 1 || all.get(0).packed() != null) {
      throw new Messages.BadMessageException(
          "a message of several tasks where one was expected: " + message.messageId());
    }
    return all.get(0);
  }

  /**
   * The deliveries of a received message: its task, or one per task it carries.
   *
   * @throws Messages.BadMessageException when the body is not a task message
   */
  static List<Delivery> all(Message message, long nowMillis) {
    TaskMessage task = Messages.decodeTask(message.body());
    TaskChecks.wellFormed(task);
    int receiveCount =
        parseOr(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT), 1);
    long sentAt = parseOr(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP), 0);
    int attempt = task.attempt(receiveCount);
    int deliveries = task.deliveries(receiveCount);
    if (!task.isPacked()) {
      return List.of(
          new Delivery(
              message.messageId(),
              message.receiptHandle(),
              task,
              attempt,
              nowMillis,
              sentAt,
              deliveries));
    }
    IndexSet tasks = task.tasks();
    List<ObjectNode> params = task.paramsOfEach();
    Packed packed = new Packed(message.messageId(), message.receiptHandle(), tasks.count());
    List<Delivery> members = new ArrayList<>(tasks.count());
    tasks.forEach(
        index ->
            members.add(
                new Delivery(
                    message.messageId(),
                    message.receiptHandle(),
                    task.single(index, params.get(members.size())),
                    attempt,
                    nowMillis,
                    sentAt,
                    deliveries,
                    packed)));
    return members;
  }

  /**
   * Whether this task may have killed a worker: its message was received before (its visibility ran
   * out: a worker died, or lost the queue; or a retry made it visible again), or it was split off a
   * message of several that was.
   */
  boolean mayHaveKilled() {
    return attempt > task.priorAttempts() + 1 || task.afterLoss();
  }

  /**
   * A task of a message of several that comes again: an earlier delivery ended without settling it,
   * most likely with its worker. It goes on alone, so that a task that kills its worker takes only
   * itself to the dead-letter queue.
   */
  boolean redeliveredPacked() {
    return packed != null && attempt > task.priorAttempts() + 1;
  }

  private static int parseOr(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static long parseOr(String value, long fallback) {
    try {
      return value == null ? fallback : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  String jobRef() {
    return task.jobRef();
  }

  /** The Job's attempt limit; a message without one gets the API default. */
  int maxAttempts() {
    return task.maxAttempts() > 0
        ? task.maxAttempts()
        : dev.fanout.api.JobSpec.DEFAULT_MAX_ATTEMPTS;
  }

  /** This delivery with the task as its Job's spec has it ({@link TaskChecks#fromSpec}). */
  Delivery trusting(dev.fanout.api.JobSpec spec) {
    return new Delivery(
        messageId,
        receiptHandle,
        TaskChecks.fromSpec(task, spec),
        attempt,
        receivedAtMillis,
        sentAtMillis,
        deliveries,
        packed);
  }

  /** A copy of the task to send again: this delivery ran nothing, so it costs no attempt. */
  TaskMessage unrunCopy() {
    return copy(attempt - 1, task.priorDeliveries(), task.lostBefore());
  }

  /** A copy of a task of a message of several that makes its next attempt: its retry. */
  TaskMessage retryCopy() {
    return copy(attempt, deliveries, null);
  }

  /**
   * A copy of a task of a message of several delivered again ({@link #redeliveredPacked()}): this
   * delivery, which runs nothing, neither attempts nor counts toward the receive ceiling.
   */
  TaskMessage splitCopy() {
    return copy(attempt - 1, deliveries - 1, true);
  }

  /**
   * A copy of the task to send again after an attempt spec.failurePolicy ignores: the attempt is
   * not counted, its delivery is (toward the queue's receive ceiling).
   */
  TaskMessage ignoredCopy() {
    return copy(attempt - 1, deliveries, null);
  }

  private TaskMessage copy(int priorAttempts, int priorDeliveries, Boolean lostBefore) {
    TaskMessage t = task;
    return new TaskMessage(
        t.version(),
        t.jobUid(),
        t.namespace(),
        t.name(),
        t.index(),
        t.total(),
        t.handler(),
        t.command(),
        t.params(),
        t.maxAttempts(),
        t.timeoutSeconds(),
        t.backoff(),
        priorAttempts,
        priorDeliveries,
        null,
        null,
        lostBefore);
  }
}
