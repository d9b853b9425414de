package dev.fanout.common.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import java.util.List;

/**
 * One task as it travels on the queue: everything a worker needs to run it without the database.
 *
 * @param priorAttempts attempts made before this message was (re)sent; the attempt a delivery makes
 *     is {@code priorAttempts + ApproximateReceiveCount}
 * @param priorDeliveries deliveries of the task before this message was sent again in place of one
 *     whose attempt did not count ({@code Ignore} of spec.failurePolicy): they count toward the
 *     queue's receive ceiling all the same
 */
public record TaskMessage(
    int version,
    String jobUid,
    String namespace,
    String name,
    int index,
    int total,
    String handler,
    List<String> command,
    ObjectNode params,
    int maxAttempts,
    int timeoutSeconds,
    Backoff backoff,
    int priorAttempts,
    int priorDeliveries) {
  public static final int VERSION = 1;

  /** A task sent for the first time, or again after attempts that all counted. */
  public TaskMessage(
      int version,
      String jobUid,
      String namespace,
      String name,
      int index,
      int total,
      String handler,
      List<String> command,
      ObjectNode params,
      int maxAttempts,
      int timeoutSeconds,
      Backoff backoff,
      int priorAttempts) {
    this(
        version,
        jobUid,
        namespace,
        name,
        index,
        total,
        handler,
        command,
        params,
        maxAttempts,
        timeoutSeconds,
        backoff,
        priorAttempts,
        0);
  }

  /** The attempt a delivery with this receive count makes (1-based). */
  public int attempt(int receiveCount) {
    return priorAttempts + Math.max(1, receiveCount);
  }

  /** Deliveries of the task so far, this one included: what the queue's receive ceiling bounds. */
  public int deliveries(int receiveCount) {
    return priorDeliveries + Math.max(1, receiveCount);
  }

  public String jobRef() {
    return namespace + "/" + name;
  }
}
