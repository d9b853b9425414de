package dev.fanout.worker;

import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.TaskMessage;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One received task message: the task, which attempt this delivery makes, and the receipt handle
 * that deletes it or changes its visibility.
 */
record Delivery(
    String messageId,
    String receiptHandle,
    TaskMessage task,
    int attempt,
    long receivedAtMillis,
    long sentAtMillis,
    int deliveries) {

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
   * @throws Messages.BadMessageException when the body is not a task message
   */
  static Delivery of(Message message, long nowMillis) {
    TaskMessage task = Messages.decodeTask(message.body());
    TaskChecks.wellFormed(task);
    int receiveCount =
        parseOr(message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT), 1);
    long sentAt = parseOr(message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP), 0);
    return new Delivery(
        message.messageId(),
        message.receiptHandle(),
        task,
        task.attempt(receiveCount),
        nowMillis,
        sentAt,
        task.deliveries(receiveCount));
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
        deliveries);
  }

  /** A copy of the task to send again: this delivery ran nothing, so it costs no attempt. */
  TaskMessage unrunCopy() {
    return copy(task.priorDeliveries());
  }

  /**
   * A copy of the task to send again after an attempt spec.failurePolicy ignores: the attempt is
   * not counted, its delivery is (toward the queue's receive ceiling).
   */
  TaskMessage ignoredCopy() {
    return copy(deliveries);
  }

  private TaskMessage copy(int priorDeliveries) {
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
        attempt - 1,
        priorDeliveries);
  }
}
