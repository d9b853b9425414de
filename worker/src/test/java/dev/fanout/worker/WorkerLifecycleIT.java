package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Start-up before the queues exist or while SQS cannot be reached, health endpoints, and the two
 * ways of shutting down.
 */
class WorkerLifecycleIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static TestBed bed;

  @TempDir Path dir;

  @BeforeAll
  static void startBed() {
    bed = new TestBed();
  }

  @AfterAll
  static void stopBed() {
    bed.close();
  }

  @AfterEach
  void stopWorkers() {
    bed.stopWorkers();
  }

  static HttpResponse<String> get(Worker worker, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + worker.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void isReadyBeforeItsQueueExistsAndRunsTheFirstTaskWithinThreeSecondsOfIt() throws Exception {
    TestBed.Queues planned = new TestBed.Queues("late-", "default", null, null, null);
    Job job = bed.createJob("team-f", "late", 3, spec -> spec.setHandler("count"));
    String uid = job.getMetadata().getUid();
    Worker worker = bed.startWorker(planned);

    assertThat(get(worker, "/healthz").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> get(worker, "/readyz").statusCode() == 200);
    // Long enough for a lookup pause that grows (1, 2, 4, 8 s...) to pass 3 s; ready throughout.
    await()
        .during(Duration.ofSeconds(8))
        .atMost(Duration.ofSeconds(10))
        .until(() -> get(worker, "/readyz").statusCode() == 200);

    long created = System.nanoTime();
    TestBed.Queues queues = bed.createQueues("late-", 60);
    bed.enqueue(queues, job, 0, 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> CountingHandler.runs(uid) > 0);
    Duration firstTask = Duration.ofNanos(System.nanoTime() - created);
    System.out.printf("First task ran %d ms after its queue was created%n", firstTask.toMillis());
    assertThat(firstTask).isLessThan(Duration.ofSeconds(3));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "0-2".equals(bed.status(job).getCompletedIndexes()));

    String metrics = get(worker, "/metrics").body();
    assertThat(metrics)
        .contains(
            "fanout_tasks_total{outcome=\"succeeded\"} 3.0",
            "fanout_status_writes_total",
            "fanout_status_conflicts_total",
            "fanout_task_duration_seconds_bucket",
            "fanout_receive_latency_seconds_count",
            "fanout_tasks_running 0.0");
  }

  @Test
  void isNotReadyWhileSqsCannotBeReached() throws Exception {
    int closed;
    try (ServerSocket probe = new ServerSocket(0)) {
      closed = probe.getLocalPort();
    }
    TestBed.Queues planned = new TestBed.Queues("nowhere-", "default", null, null, null);
    Worker worker =
        bed.startWorker(planned, Map.of("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:" + closed));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              HttpResponse<String> ready = get(worker, "/readyz");
              assertThat(ready.statusCode()).isEqualTo(503);
              assertThat(ready.body()).contains("cannot reach SQS");
            });
  }

  @Test
  void shutdownLetsRunningTasksFinishAndRecordsThemBeforeReturning() {
    TestBed.Queues queues = bed.createQueues("drain-", 60);
    Job job =
        bed.createJob(
            "team-f",
            "drain",
            2,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(JsonNodeFactory.instance.objectNode().put("ms", 1500));
            });
    String uid = job.getMetadata().getUid();
    bed.enqueue(queues, job, 0, 1);
    Worker worker = bed.startWorker(queues, Map.of("FANOUT_WORKER_CONCURRENCY", "2"));
    await().atMost(Duration.ofSeconds(20)).until(() -> CountingHandler.runs(uid) == 2);

    worker.shutdown();

    // Nothing left to wait for: shutdown returned after the write and the deletes.
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-1");
    assertThat(bed.depth(queues.tasksUrl())).isZero();
  }

  @Test
  void shutdownPastTheGraceKillsTasksAndHandsThemBackWithoutSpendingTheAttempt() throws Exception {
    TestBed.Queues queues = bed.createQueues("kill-", 60);
    Path pids = dir.resolve("pids");
    Job job =
        bed.createJob(
            "team-f",
            "stuck",
            1,
            spec -> {
              spec.setHandler("exec");
              spec.setCommand(
                  List.of(
                      "sh",
                      "-c",
                      "echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids + "; wait"));
            });
    bed.enqueue(queues, job, 0, 0);
    Worker worker = bed.startWorker(queues, Map.of("FANOUT_SHUTDOWN_GRACE_SECONDS", "1"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 2);

    long start = System.nanoTime();
    worker.shutdown();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    // Handed back, not failed: visible again at once, its attempt not counted, and the status
    // says nothing of it.
    List<Message> back =
        bed.sqs
            .receiveMessage(
                r ->
                    r.queueUrl(queues.tasksUrl())
                        .maxNumberOfMessages(10)
                        .messageSystemAttributeNames(
                            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
            .messages();
    assertThat(back).hasSize(1);
    Delivery next = Delivery.of(back.get(0), 0);
    assertThat(next.task().index()).isZero();
    assertThat(next.attempt()).as("the attempt its next delivery makes").isEqualTo(1);
    assertThat(bed.status(job).getFailedIndexes()).isNull();
    for (String pid : Files.readAllLines(pids)) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive).isEmpty());
    }
  }
}
