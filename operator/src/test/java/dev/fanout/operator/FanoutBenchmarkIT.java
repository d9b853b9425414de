package dev.fanout.operator;

import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Fan-out of a 100,000-task Job (rows + messages), next to the raw rates of the parts it is built
 * on, measured in the same run on the same ElasticMQ and H2: {@code ./mvnw -pl operator verify
 * -Dit.test=FanoutBenchmarkIT -Dfanout.bench=true -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints figures; asserts nothing about speed.
 */
@EnabledIfSystemProperty(named = "fanout.bench", matches = "true")
class FanoutBenchmarkIT {
  static final int TASKS = Integer.getInteger("fanout.bench.tasks", 100_000);

  @Test
  void fanOutAHundredThousandTasks() throws Exception {
    String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    try (OperatorHarness h = new OperatorHarness(db, "sa", "")) {
      double rawSend = rawSendRate(h, TASKS);
      double rawInsert = rawInsertRate(TASKS);
      resetPeaks();
      try (FanoutOperator operator = h.startOperator()) {
        long start = System.nanoTime();
        String uid = h.create(OperatorHarness.job("bench", TASKS)).getMetadata().getUid();
        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> operator.store().countSent(uid) == TASKS);
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = TASKS / seconds;
        System.out.printf(
            "%n| measure | figure |%n|---|---|%n"
                + "| fan-out of %,d tasks, create to all sent | %.1f s, %,.0f tasks/s |%n"
                + "| raw SendMessageBatch, 8 threads, same ElasticMQ | %,.0f msg/s |%n"
                + "| raw JDBC batch insert into fanout_task, H2 | %,.0f rows/s |%n"
                + "| fan-out / raw send | %.0f%% |%n"
                + "| peak heap of this JVM (operator + ElasticMQ + mock API server) | %d MiB |%n",
            TASKS, seconds, rate, rawSend, rawInsert, 100 * rate / rawSend, peakHeapMiB());
      }
    }
  }

  /** SendMessageBatch of 10 from 8 threads, on a queue of its own; warmed up first. */
  static double rawSendRate(OperatorHarness h, int messages) throws Exception {
    String url = h.sqs.createQueue(b -> b.queueName(h.prefix + "raw")).queueUrl();
    String body = "x".repeat(300);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      sendAll(h, url, body, pool, messages / 5);
      long start = System.nanoTime();
      sendAll(h, url, body, pool, messages);
      double rate = messages / ((System.nanoTime() - start) / 1e9);
      h.sqs.deleteQueue(b -> b.queueUrl(url));
      return rate;
    } finally {
      pool.shutdown();
    }
  }

  private static void sendAll(
      OperatorHarness h, String url, String body, ExecutorService pool, int messages) {
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (int from = 0; from < messages; from += 10) {
      List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(body).build());
      }
      calls.add(
          CompletableFuture.runAsync(
              () -> h.sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries)), pool));
    }
    calls.forEach(CompletableFuture::join);
  }

  /** Plain JDBC batch inserts into the same table shape, on a fresh H2. */
  static double rawInsertRate(int rows) throws Exception {
    String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    new dev.fanout.operator.db.Database(url, "sa", "").close();
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      c.setAutoCommit(false);
      insert(c, "warmup", rows / 5);
      long start = System.nanoTime();
      insert(c, "measured", rows);
      return rows / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void insert(Connection c, String uid, int rows) throws Exception {
    try (PreparedStatement insert =
        c.prepareStatement(
            "insert into fanout_task (job_uid, task_index, state, attempts) values (?, ?, ?, 0)")) {
      for (int i = 0; i < rows; i++) {
        insert.setString(1, uid);
        insert.setInt(2, i);
        insert.setString(3, "PENDING");
        insert.addBatch();
        if (i % 1000 == 999) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
      c.commit();
    }
  }

  private static void resetPeaks() {
    System.gc();
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeapMiB() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak / (1024 * 1024);
  }
}
