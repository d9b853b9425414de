package dev.fanout.common.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import java.util.List;

/**
 * One task as it travels on the queue: everything a worker needs to run it without the database.
 *
 * @param priorAttempts attempts made before this message was (re)sent; the attempt a delivery makes
 *     is {@code priorAttempts + ApproximateReceiveCount}
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
    int priorAttempts) {
  public static final int VERSION = 1;

  /** The attempt a delivery with this receive count makes (1-based). */
  public int attempt(int receiveCount) {
    return priorAttempts + Math.max(1, receiveCount);
  }

  public String jobRef() {
    return namespace + "/" + name;
  }
}
