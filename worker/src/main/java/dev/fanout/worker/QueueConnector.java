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
 * the worker looks for them every {@link #MISSING_PAUSE}; it is ready meanwhile (SQS answers), and
 * not ready only while SQS cannot be reached.
 */
final class QueueConnector {
  private static final Logger log = LoggerFactory.getLogger(QueueConnector.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /**
   * How often a missing queue is looked for: a fresh install's first task then starts within about
   * this long of the operator creating the queue. A lookup costs two cheap SQS calls.
   */
  static final Duration MISSING_PAUSE = Duration.ofSeconds(2);

  /** What the SQS API calls refer to; the visibility timeout paces the heartbeat. */
  /**
   * @param receiveCeiling the task queue's {@code maxReceiveCount} (its redrive policy): how many
   *     deliveries of one task the queue allows before it dead-letters it
   */
  record Endpoints(String tasksUrl, String outcomesUrl, int visibilitySeconds, int receiveCeiling) {
    /** What the operator sets when {@code FANOUT_MAX_RECEIVE_COUNT} is not set. */
    static final int DEFAULT_RECEIVE_CEILING = 100;
  }

  private final SqsClient sqs;
  private final String tasksName;
  private final String outcomesName;
  private volatile Endpoints endpoints;
  private volatile String problem = "SQS has not been asked yet";

  QueueConnector(SqsClient sqs, QueueNames names, String pool) {
    this.sqs = sqs;
    this.tasksName = names.tasks(pool);
    this.outcomesName = names.outcomes();
  }

  /**
   * Looks the queues up until they exist: every {@link #MISSING_PAUSE} while SQS says they do not,
   * with a growing pause while SQS cannot be reached.
   *
   * @return the endpoints, or null when {@code stopping} turned true first
   */
  Endpoints await(BooleanSupplier stopping) throws InterruptedException {
    Duration pause = FIRST_PAUSE;
    boolean warned = false;
    while (!stopping.getAsBoolean()) {
      String waitingFor;
      Duration wait;
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
        // SQS answered: the worker is ready, and looks again soon (the operator creates them).
        problem = null;
        waitingFor = "queue " + tasksName + " or " + outcomesName + " does not exist yet";
        wait = MISSING_PAUSE;
        pause = FIRST_PAUSE;
      } catch (SdkException e) {
        problem = "cannot reach SQS: " + e.getMessage();
        waitingFor = problem;
        wait = pause;
        pause =
            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
                ? LONGEST_PAUSE
                : pause.multipliedBy(2);
      }
      if (!warned) {
        log.warn("Waiting for the queues: {}; the operator creates them", waitingFor);
        warned = true;
      } else {
        log.debug("Still waiting for the queues: {}", waitingFor);
      }
      pause(wait, stopping);
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
            r ->
                r.queueUrl(tasksUrl)
                    .attributeNames(
                        QueueAttributeName.VISIBILITY_TIMEOUT, QueueAttributeName.REDRIVE_POLICY));
    int visibility = 60;
    String value = attributes.attributes().get(QueueAttributeName.VISIBILITY_TIMEOUT);
    if (value != null) {
      visibility = Math.max(1, Integer.parseInt(value));
    }
    return new Endpoints(
        tasksUrl,
        outcomesUrl,
        visibility,
        receiveCeiling(attributes.attributes().get(QueueAttributeName.REDRIVE_POLICY)));
  }

  /** {@code maxReceiveCount} of a redrive policy, or the operator's default when there is none. */
  static int receiveCeiling(String redrivePolicy) {
    if (redrivePolicy == null || redrivePolicy.isBlank()) {
      return Endpoints.DEFAULT_RECEIVE_CEILING;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode count =
          dev.fanout.common.queue.Messages.mapper().readTree(redrivePolicy).path("maxReceiveCount");
      int ceiling = count.isTextual() ? Integer.parseInt(count.asText()) : count.asInt(0);
      return ceiling >= 1 ? ceiling : Endpoints.DEFAULT_RECEIVE_CEILING;
    } catch (java.io.IOException | NumberFormatException e) {
      return Endpoints.DEFAULT_RECEIVE_CEILING;
    }
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

  /** Null while SQS answers (a missing queue is no problem: it is looked for); else why not. */
  String problem() {
    return problem;
  }

  String tasksName() {
    return tasksName;
  }
}
