package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.testing.CuttableLink;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** One worker against the mock API server and embedded SQS, as a user would see it. */
class WorkerIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final AtomicInteger seq = new AtomicInteger();
  private static TestBed bed;

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

  private static TestBed.Queues queues() {
    return queues(60);
  }

  private static TestBed.Queues queues(int visibilitySeconds) {
    return bed.createQueues("w" + seq.incrementAndGet() + "-", visibilitySeconds);
  }

  private static ObjectNode params() {
    return JsonNodeFactory.instance.objectNode();
  }

  @Test
  void aThousandNoopTasksCompleteAndEveryMessageIsDeleted() {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-a", "thousand", 1000, spec -> {});
    bed.enqueue(queues, job, 0, 999);
    long start = System.nanoTime();
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-999".equals(bed.status(job).getCompletedIndexes()));
    double seconds = (System.nanoTime() - start) / 1e9;
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);

    JobStatus status = bed.status(job);
    assertThat(status.getSucceeded()).isEqualTo(1000);
    assertThat(status.getFailed()).isZero();
    assertThat(status.getProgress()).isEqualTo("1000/1000");
    assertThat(status.getFailedIndexes()).isNull();
    double writes = TestBed.counter(worker, "fanout_status_writes");
    System.out.printf(
        "1,000 noop tasks, one worker: %.1f s (%.0f tasks/s), %.0f status writes%n",
        seconds, 1000 / seconds, writes);
    var receives = worker.registry().find("fanout_receive_latency").timer();
    System.out.printf(
        "  %d receive calls, %.1f ms on average%n",
        receives.count(), receives.mean(java.util.concurrent.TimeUnit.MILLISECONDS));
    assertThat(writes).isLessThan(200);
    List<Outcome> outcomes = bed.drainOutcomes(queues);
    assertThat(outcomes).hasSize(1000).allMatch(o -> o.kind() == Outcome.Kind.SUCCEEDED);
  }

  @Test
  void aDuplicatedDeliveryRunsOnceAndCountsOnce() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-a",
            "dupes",
            50,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 50));
            });
    List<TaskMessage> tasks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      // Each message twice, as SQS may deliver it, and as an operator resending would.
      tasks.add(TestBed.task(job, i));
      tasks.add(TestBed.task(job, i));
    }
    bed.enqueue(queues, tasks);
    bed.startWorker(queues, java.util.Map.of("FANOUT_WORKER_CONCURRENCY", "8"));

    await().atMost(LONG).until(() -> "0-49".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);

    String uid = job.getMetadata().getUid();
    for (int i = 0; i < 50; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(1);
    }
    assertThat(bed.status(job).getSucceeded()).isEqualTo(50);
  }

  @Test
  void copiesOfARunningTaskWaitForItWithoutUsingUpReceivesAndDoNotFailIt() {
    // Short visibility: the copies must be kept hidden; two receives and a message is dead.
    TestBed.Queues queues = bed.createQueues("w" + seq.incrementAndGet() + "-", 4, 2);
    Job job =
        bed.createJob(
            "team-i",
            "copies",
            1,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 12_000));
              spec.setMaxAttempts(2);
            });
    String uid = job.getMetadata().getUid();
    bed.enqueue(queues, job, 0, 0);
    Worker worker = bed.startWorker(queues);
    await().atMost(LONG).until(() -> CountingHandler.runs(uid, 0) == 1);

    // A late re-send and SQS duplicates, while the task runs.
    bed.enqueue(queues, List.of(TestBed.task(job, 0), TestBed.task(job, 0), TestBed.task(job, 0)));

    await().atMost(LONG).until(() -> "0".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    JobStatus status = bed.status(job);
    assertThat(status.getSucceeded()).isEqualTo(1);
    assertThat(status.getFailedIndexes()).isNull();
    assertThat(status.getFailures()).isNull();
    assertThat(CountingHandler.runs(uid, 0)).isEqualTo(1);
    assertThat(bed.depth(queues.dlqUrl())).as("no copy dead-lettered").isZero();
    assertThat(TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "in_flight"))
        .as("each copy received once")
        .isEqualTo(3);
  }

  @Test
  void aTaskLongerThanTheVisibilityTimeoutStaysHiddenFromOtherWorkers() {
    TestBed.Queues queues = queues(2);
    Job job =
        bed.createJob(
            "team-a",
            "long",
            4,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 3500));
            });
    bed.enqueue(queues, job, 0, 3);
    bed.startWorker(queues, java.util.Map.of("FANOUT_WORKER_CONCURRENCY", "2"));
    bed.startWorker(queues, java.util.Map.of("FANOUT_WORKER_CONCURRENCY", "2"));

    await().atMost(LONG).until(() -> "0-3".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    String uid = job.getMetadata().getUid();
    for (int i = 0; i < 4; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(1);
    }
  }

  @Test
  void aFailedAttemptIsRetriedAfterTheJobsBackoff() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-a",
            "flaky",
            1,
            spec -> {
              spec.setHandler("fail");
              spec.setParameters(params().put("failAttempts", 2));
              spec.setMaxAttempts(3);
              spec.setBackoff(new Backoff(1, 2.0, 60));
            });
    bed.enqueue(queues, job, 0, 0);
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0".equals(bed.status(job).getCompletedIndexes()));
    List<Outcome> outcomes = new ArrayList<>();
    await()
        .atMost(LONG)
        .until(
            () -> {
              outcomes.addAll(bed.drainOutcomes(queues));
              return outcomes.size() >= 3;
            });
    outcomes.sort(Comparator.comparingInt(Outcome::attempt));
    assertThat(outcomes)
        .extracting(Outcome::attempt, Outcome::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, Outcome.Kind.RETRYING),
            org.assertj.core.groups.Tuple.tuple(2, Outcome.Kind.RETRYING),
            org.assertj.core.groups.Tuple.tuple(3, Outcome.Kind.SUCCEEDED));
    long firstGap = outcomes.get(1).startedAtMillis() - outcomes.get(0).startedAtMillis();
    long secondGap = outcomes.get(2).startedAtMillis() - outcomes.get(1).startedAtMillis();
    System.out.printf(
        "Backoff 1 s, factor 2: attempts %d ms and %d ms apart%n", firstGap, secondGap);
    assertThat(firstGap).isGreaterThanOrEqualTo(1000);
    assertThat(secondGap).isGreaterThanOrEqualTo(2000);
    assertThat(outcomes.get(0).reason()).isEqualTo("Error");
    JobStatus status = bed.status(job);
    assertThat(status.getSucceeded()).isEqualTo(1);
    assertThat(status.getFailures()).isNull();
  }

  @Test
  void aTaskOutOfAttemptsFailsWithItsLastError() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-a",
            "hopeless",
            3,
            spec -> {
              spec.setHandler("fail");
              spec.setParameters(params().put("failAttempts", 2));
              spec.setMaxAttempts(2);
              spec.setBackoff(new Backoff(0, 1.0, 0));
            });
    bed.enqueue(queues, job, 0, 2);
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-2".equals(bed.status(job).getFailedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    JobStatus status = bed.status(job);
    assertThat(status.getFailed()).isEqualTo(3);
    assertThat(status.getSucceeded()).isZero();
    assertThat(status.getCompletedIndexes()).isNull();
    // Distinct by index: fabric8's mock server appends lists in a JSON merge patch (the real API
    // server replaces them), so entries written in two patches show up twice there.
    assertThat(status.getFailures().stream().distinct())
        .hasSize(3)
        .allSatisfy(
            f -> {
              assertThat(f.getReason()).isEqualTo("Error");
              assertThat(f.getAttempts()).isEqualTo(2);
              assertThat(f.getMessage()).isEqualTo("attempt 2 fails as told (failAttempts 2)");
            });
  }

  @Test
  void anUnknownHandlerOrBadParameterFailsAtOnceAndTheWorkerKeepsWorking() {
    TestBed.Queues queues = queues();
    Job unknown = bed.createJob("team-b", "unknown", 2, spec -> spec.setHandler("nope"));
    Job badParams =
        bed.createJob(
            "team-b",
            "bad-params",
            1,
            spec -> {
              spec.setHandler("sleep");
              spec.setParameters(params().put("ms", "soon"));
            });
    Job fine = bed.createJob("team-b", "fine", 20, spec -> {});
    bed.enqueue(queues, unknown, 0, 1);
    bed.enqueue(queues, badParams, 0, 0);
    bed.enqueue(queues, fine, 0, 19);
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-1".equals(bed.status(unknown).getFailedIndexes()));
    await().atMost(LONG).until(() -> "0".equals(bed.status(badParams).getFailedIndexes()));
    await().atMost(LONG).until(() -> "0-19".equals(bed.status(fine).getCompletedIndexes()));

    TaskFailure unknownFailure = bed.status(unknown).getFailures().get(0);
    assertThat(unknownFailure.getReason()).isEqualTo("UnknownHandler");
    assertThat(unknownFailure.getAttempts()).isEqualTo(1);
    assertThat(unknownFailure.getMessage()).contains("\"nope\"", "noop", "sleep", "fail", "exec");
    TaskFailure paramFailure = bed.status(badParams).getFailures().get(0);
    assertThat(paramFailure.getReason()).isEqualTo("InvalidParameters");
    assertThat(paramFailure.getAttempts()).isEqualTo(1);
    assertThat(paramFailure.getMessage()).contains("\"ms\"");
  }

  @Test
  void aGarbageMessageIsLoggedCountedAndDeletedAndTheWorkerKeepsWorking() {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-b", "after-garbage", 5, spec -> {});
    for (String body :
        List.of("not json at all {", "{\"version\":1,\"index\":-3}", "{\"hello\":\"world\"}")) {
      bed.sqs.sendMessage(r -> r.queueUrl(queues.tasksUrl()).messageBody(body));
    }
    bed.enqueue(queues, job, 0, 4);
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-4".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(TestBed.counter(worker, "fanout_bad_messages", "queue", "tasks")).isEqualTo(3);
    assertThat(bed.depth(queues.dlqUrl())).as("deleted, not dead-lettered").isZero();
  }

  /** The message with what a forger changed. */
  private static TaskMessage forged(
      TaskMessage t, int index, String handler, List<String> command, int maxAttempts) {
    return forged(t, t.name(), index, handler, command, maxAttempts);
  }

  private static TaskMessage forged(
      TaskMessage t,
      String name,
      int index,
      String handler,
      List<String> command,
      int maxAttempts) {
    return new TaskMessage(
        t.version(),
        t.jobUid(),
        t.namespace(),
        name,
        index,
        t.total(),
        handler,
        command,
        t.params(),
        maxAttempts,
        t.timeoutSeconds(),
        t.backoff(),
        t.priorAttempts());
  }

  @Test
  void forgedMessagesRunOnlyWhatTheJobsSpecSaysAndCountNoIndexOutsideIt(@TempDir Path dir) {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-h", "forged", 20, spec -> {});
    Path pwned = dir.resolve("pwned");
    List<String> evil = List.of("sh", "-c", "touch " + pwned);
    List<TaskMessage> tasks = new ArrayList<>();
    // Copies of real tasks with another handler and command, and a task the Job does not have.
    tasks.add(forged(TestBed.task(job, 3), 3, "exec", evil, 1000));
    tasks.add(forged(TestBed.task(job, 7), 7, "exec", evil, 3));
    tasks.add(forged(TestBed.task(job, 0), 25, "exec", evil, 3));
    tasks.add(forged(TestBed.task(job, 0), 25, "noop", null, 3));
    tasks.add(forged(TestBed.task(job, 0), -1, "noop", null, 3));
    // The Job's own UID under a name it does not have: must not get its real tasks dropped.
    TaskMessage real = TestBed.task(job, 5);
    tasks.add(
        forged(real, "not-" + real.name(), 5, real.handler(), real.command(), real.maxAttempts()));
    bed.enqueue(queues, tasks);
    bed.sqs.sendMessage(
        r ->
            r.queueUrl(queues.tasksUrl())
                .messageBody(
                    "{\"version\":1,\"jobUid\":\"\",\"namespace\":\"\",\"name\":\"forged\","
                        + "\"index\":1,\"handler\":\"exec\"}"));
    Worker worker = bed.startWorker(queues);
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    bed.enqueue(queues, job, 0, 19);

    await().atMost(LONG).until(() -> "0-19".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    JobStatus status = bed.status(job);
    assertThat(pwned).as("the forged command never ran").doesNotExist();
    assertThat(status.getCompletedIndexes()).isEqualTo("0-19");
    assertThat(status.getSucceeded()).isEqualTo(20);
    assertThat(status.getFailedIndexes()).isNull();
    assertThat(TestBed.counter(worker, "fanout_bad_messages", "queue", "tasks")).isEqualTo(4);
  }

  @Test
  void tasksOfADeletedOrReplacedJobAreDroppedWithoutRunning() {
    TestBed.Queues queues = queues();
    Job deleted = bed.createJob("team-c", "deleted", 5, spec -> spec.setHandler("count"));
    Job replaced = bed.createJob("team-c", "replaced", 5, spec -> spec.setHandler("count"));
    bed.kube.client().resource(deleted).delete();
    bed.kube.client().resource(replaced).delete();
    await().until(() -> bed.read(replaced) == null);
    Job successor = bed.createJob("team-c", "replaced", 5, spec -> spec.setHandler("count"));
    assertThat(successor.getMetadata().getUid()).isNotEqualTo(replaced.getMetadata().getUid());
    bed.enqueue(queues, deleted, 0, 4);
    bed.enqueue(queues, replaced, 0, 4);
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(CountingHandler.runs(deleted.getMetadata().getUid())).isZero();
    assertThat(CountingHandler.runs(replaced.getMetadata().getUid())).isZero();
    assertThat(bed.status(successor).getCompletedIndexes()).isNull();
    assertThat(TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "job_gone"))
        .isEqualTo(5);
    assertThat(TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "job_replaced"))
        .isEqualTo(5);
  }

  @Test
  void theLeftoversOfADeletedJobAreDroppedWithoutAnApiReadEach() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-c",
            "big",
            400,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 50));
            });
    String uid = job.getMetadata().getUid();
    bed.enqueue(queues, job, 0, 399);
    Queue<String> sent = new ConcurrentLinkedQueue<>();
    Worker worker =
        bed.startWorker(
            queues,
            java.util.Map.of("FANOUT_WORKER_CONCURRENCY", "2"),
            TestBed.recordingClient(bed.kube.config(), sent));
    await().atMost(LONG).until(() -> CountingHandler.runs(uid) >= 4);

    bed.kube.client().resource(job).delete();

    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    double dropped = TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "job_gone");
    long reads =
        sent.stream()
            .filter(r -> r.equals("GET /apis/fanout.dev/v1alpha1/namespaces/team-c/jobs/big"))
            .count();
    System.out.printf(
        "Deleted a Job with %.0f messages left: the worker read it %d times%n", dropped, reads);
    assertThat(dropped).isGreaterThan(300);
    assertThat(reads).isLessThanOrEqualTo(2);
    assertThat(CountingHandler.runs(uid)).isLessThan(100);
  }

  @Test
  void whileTheStatusCannotBeWrittenItStopsTakingTasksAndCatchesUpAfter() throws Exception {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-j", "cut-off", 600, spec -> {});
    int concurrency = 2;
    int bound = TaskPoller.backlogLimit(concurrency) + concurrency;
    URI api = URI.create(bed.kube.config().getMasterUrl());
    try (CuttableLink link = CuttableLink.to(api.getPort())) {
      Config config =
          new ConfigBuilder(bed.kube.config())
              .withMasterUrl("http://127.0.0.1:" + link.port() + "/")
              .build();
      Worker worker =
          bed.startWorker(
              queues,
              java.util.Map.of("FANOUT_WORKER_CONCURRENCY", Integer.toString(concurrency)),
              new KubernetesClientBuilder().withConfig(config).build());
      await().atMost(LONG).until(() -> worker.readiness() == null);

      link.cut();
      bed.enqueue(queues, job, 0, 599);

      // It runs tasks it cannot record, up to the bound (those and the running ones), then takes
      // no more.
      await().atMost(LONG).until(() -> inFlight(queues) >= TaskPoller.backlogLimit(concurrency));
      await()
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(7))
          .until(() -> inFlight(queues) <= bound);
      int held = inFlight(queues);
      assertThat(bed.status(job).getCompletedIndexes()).isNull();

      long restored = System.nanoTime();
      link.restore();
      await()
          .atMost(Duration.ofSeconds(180))
          .until(() -> "0-599".equals(bed.status(job).getCompletedIndexes()));
      System.out.printf(
          "API server cut off: the worker held %d messages (bound %d); all 600 recorded %d ms"
              + " after it came back%n",
          held, bound, (System.nanoTime() - restored) / 1_000_000);
      await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
      assertThat(bed.status(job).getSucceeded()).isEqualTo(600);
    }
  }

  /** Messages received and not yet deleted or let go. */
  private static int inFlight(TestBed.Queues queues) {
    return Integer.parseInt(
        bed.sqs
            .getQueueAttributes(
                r ->
                    r.queueUrl(queues.tasksUrl())
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  @Test
  void aSuspendedJobsTasksAreHandedBackToTheOperatorOnceUnrunWithoutSpendingAttempts() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-c",
            "paused",
            5,
            spec -> {
              spec.setHandler("count");
              spec.setSuspend(true);
            });
    bed.enqueue(queues, job, 0, 4);
    Worker worker = bed.startWorker(queues);
    String uid = job.getMetadata().getUid();

    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    List<Outcome> returned = bed.drainOutcomes(queues);
    assertThat(returned)
        .hasSize(5)
        .allSatisfy(
            o -> {
              assertThat(o.kind()).isEqualTo(Outcome.Kind.RETURNED);
              assertThat(o.jobUid()).isEqualTo(uid);
              assertThat(o.attempt()).as("attempts made before").isZero();
            });
    assertThat(returned).extracting(Outcome::index).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    // Once each, not again and again while the Job stays suspended.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(LONG)
        .until(
            () -> TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "suspended") == 5);
    assertThat(CountingHandler.runs(uid)).isZero();
    assertThat(bed.status(job).getCompletedIndexes()).isNull();
  }

  @Test
  void aDeliveryPastMaxAttemptsFailsAsWorkerLostWithoutRunning() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-d",
            "lost",
            2,
            spec -> {
              spec.setHandler("count");
              spec.setMaxAttempts(3);
            });
    TaskMessage lost = TestBed.task(job, 0);
    // Three attempts were made before this message was sent: this delivery is attempt 4.
    lost =
        new TaskMessage(
            lost.version(),
            lost.jobUid(),
            lost.namespace(),
            lost.name(),
            lost.index(),
            lost.total(),
            lost.handler(),
            lost.command(),
            lost.params(),
            lost.maxAttempts(),
            lost.timeoutSeconds(),
            lost.backoff(),
            3);
    bed.enqueue(queues, List.of(lost, TestBed.task(job, 1)));
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0".equals(bed.status(job).getFailedIndexes()));
    await().atMost(LONG).until(() -> "1".equals(bed.status(job).getCompletedIndexes()));
    TaskFailure failure = bed.status(job).getFailures().get(0);
    assertThat(failure.getReason()).isEqualTo("WorkerLost");
    assertThat(failure.getMessage())
        .isEqualTo("attempt 4 of 3: earlier attempts died with their worker");
    assertThat(failure.getAttempts()).isEqualTo(3);
    assertThat(CountingHandler.runs(job.getMetadata().getUid(), 0)).isZero();
  }

  @Test
  void anExecTaskPastItsTimeoutIsKilledAndFailsWithTimeout() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-d",
            "slow",
            2,
            spec -> {
              spec.setHandler("exec");
              spec.setCommand(
                  List.of(
                      "sh",
                      "-c",
                      "if [ $FANOUT_TASK_INDEX = 0 ]; then sleep 300; fi; echo done $FANOUT_TASK_INDEX"));
              spec.setTaskTimeoutSeconds(1);
              spec.setMaxAttempts(1);
            });
    bed.enqueue(queues, job, 0, 1);
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0".equals(bed.status(job).getFailedIndexes()));
    await().atMost(LONG).until(() -> "1".equals(bed.status(job).getCompletedIndexes()));
    TaskFailure failure = bed.status(job).getFailures().get(0);
    assertThat(failure.getReason()).isEqualTo("Timeout");
    List<Outcome> outcomes = new ArrayList<>();
    await()
        .until(
            () -> {
              outcomes.addAll(bed.drainOutcomes(queues));
              return outcomes.size() >= 2;
            });
    assertThat(outcomes)
        .anySatisfy(
            o -> {
              assertThat(o.index()).isEqualTo(1);
              assertThat(o.result()).isEqualTo("done 1");
            });
  }
}
