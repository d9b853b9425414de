package dev.fanout.operator.queue;

import dev.fanout.common.queue.QueueNames;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;
import software.amazon.awssdk.services.sqs.model.SetQueueAttributesRequest;

/**
 * Makes sure each pool's queue and dead-letter queue exist, joined by a redrive policy, and the
 * outcome queue; remembers their URLs.
 */
public final class QueueAdmin {
  private static final Logger log = LoggerFactory.getLogger(QueueAdmin.class);
  public static final int VISIBILITY_TIMEOUT_SECONDS = 60;

  /** What SQS takes in one message, and in one batch of them: 256 KiB. */
  public static final int MAX_MESSAGE_BYTES = 262_144;

  /** What SQS allows: 14 days. */
  private static final String RETENTION_SECONDS = "1209600";

  private final SqsClient sqs;
  private final QueueNames names;
  private final int maxReceiveCount;
  private final Map<String, String> taskQueues = new ConcurrentHashMap<>();
  private final Map<String, String> deadLetterQueues = new ConcurrentHashMap<>();
  private final Map<String, String> incarnations = new ConcurrentHashMap<>();
  private volatile String outcomeQueue;
  private volatile NewQueueListener onNewQueue = (pool, queueName, incarnation, createdAt) -> {};

  /** Told, before a pool's queue is first used, which incarnation of the queue it is. */
  @FunctionalInterface
  public interface NewQueueListener {
    /**
     * Throwing leaves the pool unknown: the next use asks again.
     *
     * @param createdAt when SQS says the queue was created
     */
    void queueFound(String pool, String queueName, String incarnation, Instant createdAt);
  }

  /** The tag naming a queue's incarnation: absent on a queue no Fanout operator has seen. */
  public static final String INCARNATION_TAG = "fanout.dev/incarnation";

  /**
   * @param maxReceiveCount the pool-wide ceiling after which SQS moves a message to the DLQ;
   *     workers enforce each Job's own, lower, maxAttempts
   */
  public QueueAdmin(SqsClient sqs, QueueNames names, int maxReceiveCount) {
    this.sqs = sqs;
    this.names = names;
    this.maxReceiveCount = maxReceiveCount;
  }

  public void onNewQueue(NewQueueListener listener) {
    this.onNewQueue = listener;
  }

  public QueueNames names() {
    return names;
  }

  /** The pool's task queue URL, creating the queue and its DLQ on first use. */
  public String taskQueue(String pool) {
    return taskQueues.computeIfAbsent(pool, this::createPool);
  }

  public String deadLetterQueue(String pool) {
    taskQueue(pool);
    return deadLetterQueues.get(pool);
  }

  /** The pools whose queues this operator has made sure of. */
  public java.util.Set<String> pools() {
    return java.util.Set.copyOf(taskQueues.keySet());
  }

  /** Messages in a pool's task queue, as SQS approximates them. */
  public record Depth(long visible, long inflight, long delayed) {}

  /** The pool's queue depth, creating the queue on first use. */
  public Depth depth(String pool) {
    Map<QueueAttributeName, String> a =
        sqs.getQueueAttributes(
                GetQueueAttributesRequest.builder()
                    .queueUrl(taskQueue(pool))
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)
                    .build())
            .attributes();
    return new Depth(
        count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
        count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
        count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
  }

  private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
    String value = attributes.get(name);
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public String outcomeQueue() {
    String url = outcomeQueue;
    if (url == null) {
      url =
          create(
              names.outcomes(),
              Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, RETENTION_SECONDS));
      outcomeQueue = url;
    }
    return url;
  }

  private String createPool(String pool) {
    String dlqUrl =
        create(
            names.deadLetters(pool),
            Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, RETENTION_SECONDS));
    String dlqArn =
        sqs.getQueueAttributes(
                GetQueueAttributesRequest.builder()
                    .queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)
                    .build())
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String redrive =
        "{\"maxReceiveCount\":\""
            + maxReceiveCount
            + "\",\"deadLetterTargetArn\":\""
            + dlqArn
            + "\"}";
    String url =
        create(
            names.tasks(pool),
            Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT,
                String.valueOf(VISIBILITY_TIMEOUT_SECONDS),
                QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                RETENTION_SECONDS,
                QueueAttributeName.REDRIVE_POLICY,
                redrive));
    String incarnation = incarnation(url);
    onNewQueue.queueFound(pool, names.tasks(pool), incarnation, createdAt(url));
    incarnations.put(pool, incarnation);
    deadLetterQueues.put(pool, dlqUrl);
    log.info(
        "Pool {}: queue {} (incarnation {}) with dead-letter queue {}",
        pool,
        url,
        incarnation,
        dlqUrl);
    return url;
  }

  /**
   * The queue's incarnation tag; a queue without one is new to Fanout (just created, or served
   * afresh by an embedded server), and gets one now.
   */
  private String incarnation(String url) {
    String tag = tag(url);
    if (tag != null) {
      return tag;
    }
    String fresh = java.util.UUID.randomUUID().toString();
    sqs.tagQueue(b -> b.queueUrl(url).tags(Map.of(INCARNATION_TAG, fresh)));
    return fresh;
  }

  /** The queue's incarnation tag, or null when it has none. */
  private String tag(String url) {
    return sqs.listQueueTags(b -> b.queueUrl(url)).tags().get(INCARNATION_TAG);
  }

  private Instant createdAt(String url) {
    String seconds =
        sqs.getQueueAttributes(
                b -> b.queueUrl(url).attributeNames(QueueAttributeName.CREATED_TIMESTAMP))
            .attributes()
            .get(QueueAttributeName.CREATED_TIMESTAMP);
    return seconds == null ? Instant.EPOCH : Instant.ofEpochSecond(Long.parseLong(seconds));
  }

  /**
   * Checks that the queues in use are still the ones this operator found (a queue server restarted,
   * a queue deleted while it ran): a pool queue gone or of another incarnation is made or looked up
   * again at once, which sends its lost tasks again; an outcome queue gone is made again at its
   * next use. Returns the pools whose queue was renewed.
   */
  public java.util.List<String> verify() {
    java.util.List<String> renewed = new java.util.ArrayList<>();
    for (String pool : pools()) {
      String url = taskQueues.get(pool);
      String tag;
      try {
        tag = tag(url);
      } catch (QueueDoesNotExistException e) {
        tag = null;
      }
      if (!java.util.Objects.equals(tag, incarnations.get(pool))) {
        log.warn("Pool {}: its queue is gone or new; making sure of it again", pool);
        taskQueues.remove(pool, url);
        taskQueue(pool);
        renewed.add(pool);
      }
    }
    String outcomes = outcomeQueue;
    if (outcomes != null) {
      try {
        sqs.getQueueAttributes(b -> b.queueUrl(outcomes));
      } catch (QueueDoesNotExistException e) {
        log.warn("The outcome queue is gone; making it again");
        outcomeQueue = null;
        outcomeQueue();
      }
    }
    return renewed;
  }

  /** Creates the queue, or brings an existing one's attributes in line. */
  private String create(String name, Map<QueueAttributeName, String> attributes) {
    try {
      return sqs.createQueue(
              CreateQueueRequest.builder().queueName(name).attributes(attributes).build())
          .queueUrl();
    } catch (QueueNameExistsException e) {
      String url = sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
      sqs.setQueueAttributes(
          SetQueueAttributesRequest.builder().queueUrl(url).attributes(attributes).build());
      return url;
    }
  }
}
