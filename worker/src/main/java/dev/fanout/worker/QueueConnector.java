package dev.fanout.worker;

import dev.fanout.common.queue.QueueNames;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Finds the pool's task queue and the outcome queue, which the operator creates: until both exist
 * the worker waits, asking again with a growing pause, and is not ready.
 */
final class QueueConnector {
  private static final Logger log = LoggerFactory.getLogger(QueueConnector.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** What the SQS API calls refer to; the visibility timeout paces the heartbeat. */
  record Endpoints(String tasksUrl, String outcomesUrl, int visibilitySeconds) {}

  private final SqsClient sqs;
  private final String tasksName;
  private final String outcomesName;
  private volatile Endpoints endpoints;
  private volatile String problem = "the queues have not been looked up yet";

  QueueConnector(SqsClient sqs, QueueNames names, String pool) {
    this.sqs = sqs;
    this.tasksName = names.tasks(pool);
    this.outcomesName = names.outcomes();
  }

  /**
   * Looks the queues up, again and again with a growing pause, until they exist.
   *
   * @return the endpoints, or null when {@code stopping} turned true first
   */
  Endpoints await(BooleanSupplier stopping) throws InterruptedException {
    Duration pause = FIRST_PAUSE;
    boolean warned = false;
    while (!stopping.getAsBoolean()) {
      try {
        Endpoints found = lookUp();
        endpoints = found;
        problem = null;
        log.info(
            "Serving queue {} (visibility timeout {} s); outcomes go to {}",
            tasksName,
            found.visibilitySeconds(),
            outcomesName);
        return found;
      } catch (QueueDoesNotExistException e) {
        problem = "queue " + tasksName + " or " + outcomesName + " does not exist yet";
      } catch (SdkException e) {
        problem = "cannot reach SQS: " + e.getMessage();
      }
      if (!warned) {
        log.warn("Waiting for the queues: {}; the operator creates them", problem);
        warned = true;
      } else {
        log.debug("Still waiting for the queues: {}", problem);
      }
      pause(pause, stopping);
      pause =
          pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
              ? LONGEST_PAUSE
              : pause.multipliedBy(2);
    }
    return null;
  }

  /** Sleeps, waking early when {@code stopping} turns true; no interrupt needed to stop it. */
  static void pause(Duration pause, BooleanSupplier stopping) throws InterruptedException {
    long deadline = System.nanoTime() + pause.toNanos();
    long left;
    while (!stopping.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
      Thread.sleep(Math.min(100, Math.max(1, left / 1_000_000)));
    }
  }

  private Endpoints lookUp() {
    String tasksUrl = sqs.getQueueUrl(r -> r.queueName(tasksName)).queueUrl();
    String outcomesUrl = sqs.getQueueUrl(r -> r.queueName(outcomesName)).queueUrl();
    GetQueueAttributesResponse attributes =
        sqs.getQueueAttributes(
            r -> r.queueUrl(tasksUrl).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT));
    int visibility = 60;
    String value = attributes.attributes().get(QueueAttributeName.VISIBILITY_TIMEOUT);
    if (value != null) {
      visibility = Math.max(1, Integer.parseInt(value));
    }
    return new Endpoints(tasksUrl, outcomesUrl, visibility);
  }

  /** The task queue vanished under the poller: not ready until it is found again. */
  void lost(String why) {
    problem = why;
  }

  /** A call on the queue failed: not ready until one succeeds ({@link #answered()}). */
  void unreachable(Exception e) {
    problem = "cannot reach SQS: " + e.getMessage();
  }

  /** A call on the queue succeeded. */
  void answered() {
    if (problem != null) {
      problem = null;
    }
  }

  /** The last endpoints found, or null before the first. */
  Endpoints endpoints() {
    return endpoints;
  }

  /** Null while the queues are known; else why not. */
  String problem() {
    return problem;
  }

  String tasksName() {
    return tasksName;
  }
}
