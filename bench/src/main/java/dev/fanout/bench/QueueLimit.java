package dev.fanout.bench;

import dev.fanout.api.Backoff;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.TaskMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * (1) The queue's own limit, with nothing of Fanout in the way: SendMessageBatch of 10 from several
 * threads, and N consumers each doing ReceiveMessage(10) then DeleteMessageBatch on a pre-filled
 * queue. Messages are real task messages, so the bytes on the wire are the same.
 */
final class QueueLimit {
  static final int SEND_THREADS = 8;
  static final int DRAIN_CONSUMERS = 8;
  private static final long TIMEOUT_SECONDS = 300;

  /** Rates in messages per second; {@code limit} is the best drain, the task path's ceiling. */
  record Result(
      int messages,
      List<Double> sendBatchSamples,
      double sendBatch,
      Map<Integer, Double> drainByConsumers,
      double limit,
      double cpuMsPerMessage) {}

  private final SqsClient sqs;
  private final String queueUrl;
  private final String body;

  QueueLimit(SqsClient sqs, String queueName) {
    this.sqs = sqs;
    this.queueUrl = sqs.createQueue(b -> b.queueName(queueName)).queueUrl();
    this.body =
        Messages.encode(
            new TaskMessage(
                TaskMessage.VERSION,
                UUID.randomUUID().toString(),
                Rig.NAMESPACE,
                "queue-limit",
                12_345,
                100_000,
                "noop",
                null,
                Messages.mapper().createObjectNode(),
                3,
                600,
                new Backoff(
                    Backoff.DEFAULT_INITIAL_SECONDS,
                    Backoff.DEFAULT_FACTOR,
                    Backoff.DEFAULT_MAX_SECONDS),
                0));
  }

  /** A warm-up round, then for each consumer count: fill (timed), drain (timed). */
  Result measure(int messages, int warmup, int[] consumerCounts) throws Exception {
    send(warmup);
    drain(warmup, consumerCounts[consumerCounts.length - 1]);
    List<Double> sends = new ArrayList<>();
    Map<Integer, Double> drains = new LinkedHashMap<>();
    long cpu = CpuTime.self();
    for (int consumers : consumerCounts) {
      sends.add(send(messages));
      drains.put(consumers, drain(messages, consumers));
    }
    // Sent, received and deleted, server and clients: what one message costs on its own.
    double cpuMsPerMessage =
        (CpuTime.self() - cpu) / 1e6 / ((long) messages * consumerCounts.length);
    return new Result(
        messages,
        sends,
        sends.stream().mapToDouble(Double::doubleValue).max().orElse(0),
        drains,
        drains.values().stream().mapToDouble(Double::doubleValue).max().orElse(0),
        cpuMsPerMessage);
  }

  /**
   * The drain rate now, for a figure measured next to it: the machine's other load changes within
   * minutes, and a ratio to a rate measured earlier would carry that change.
   */
  double drainNow(int messages) throws Exception {
    send(messages);
    return drain(messages, DRAIN_CONSUMERS);
  }

  /** The send-batch rate now, on a queue of its own that is deleted after. */
  static double sendNow(SqsClient sqs, String queueName, int messages) throws Exception {
    QueueLimit queue = new QueueLimit(sqs, queueName);
    try {
      return queue.send(messages);
    } finally {
      queue.delete();
    }
  }

  void delete() {
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
  }

  /** Sends {@code messages} in batches of 10 from {@link #SEND_THREADS} threads; msg/s. */
  double send(int messages) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(SEND_THREADS);
    try {
      List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(body).build());
      }
      long start = System.nanoTime();
      List<Future<?>> calls = new ArrayList<>();
      for (int sent = 0; sent < messages; sent += 10) {
        calls.add(
            pool.submit(() -> sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries))));
      }
      for (Future<?> call : calls) {
        call.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
      return messages / seconds(start);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Receives and deletes {@code messages} with {@code consumers} threads; msg/s. */
  double drain(int messages, int consumers) throws Exception {
    AtomicInteger deleted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(consumers);
    try {
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
      List<Future<?>> loops = new ArrayList<>();
      for (int c = 0; c < consumers; c++) {
        loops.add(
            pool.submit(
                () -> {
                  while (deleted.get() < messages && System.nanoTime() < deadline) {
                    deleted.addAndGet(receiveAndDelete());
                  }
                }));
      }
      for (Future<?> loop : loops) {
        loop.get();
      }
      if (deleted.get() < messages) {
        throw new IllegalStateException(
            "drained only " + deleted.get() + " of " + messages + " in " + TIMEOUT_SECONDS + " s");
      }
      return messages / seconds(start);
    } finally {
      pool.shutdownNow();
    }
  }

  private int receiveAndDelete() {
    List<Message> received =
        sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
            .messages();
    if (received.isEmpty()) {
      return 0;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < received.size(); i++) {
      entries.add(
          DeleteMessageBatchRequestEntry.builder()
              .id(Integer.toString(i))
              .receiptHandle(received.get(i).receiptHandle())
              .build());
    }
    return sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)).successful().size();
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
