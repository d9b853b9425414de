package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Messages that carry several tasks (spec.tasksPerMessage), on a real SQS server and the mock API
 * server: each task runs and counts once, a failed one goes on alone, a message delivered again
 * runs only what the status does not hold, and the message goes once every task is settled.
 */
class PackedMessagesIT {
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
    return bed.createQueues("p" + seq.incrementAndGet() + "-", 60);
  }

  private static ObjectNode params() {
    return JsonNodeFactory.instance.objectNode();
  }

  @Test
  void eachTaskOfAPackedMessageRunsOnceWithinTheConcurrencyAndTheMessagesGo() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-a",
            "packed",
            300,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 5));
            });
    bed.enqueue(
        queues,
        List.of(
            TestBed.packed(job, 0, 99),
            TestBed.packed(job, 100, 199),
            TestBed.packed(job, 200, 299)));
    Worker worker = bed.startWorker(queues, Map.of("FANOUT_WORKER_CONCURRENCY", "3"));

    await().atMost(LONG).until(() -> "0-299".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);

    String uid = job.getMetadata().getUid();
    for (int i = 0; i < 300; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(1);
    }
    assertThat(CountingHandler.mostAtOnce(uid)).as("tasks running at once").isBetween(2, 3);
    assertThat(bed.status(job).getSucceeded()).isEqualTo(300);
    List<Outcome> outcomes = bed.drainOutcomes(queues);
    assertThat(outcomes).hasSize(300).allMatch(o -> o.kind() == Outcome.Kind.SUCCEEDED);
    assertThat(outcomes).allMatch(o -> o.attempt() == 1);
    double writes = TestBed.counter(worker, "fanout_status_writes");
    System.out.printf("300 tasks in 3 messages: %.0f status writes%n", writes);
  }

  @Test
  void failedTasksGoOnInMessagesOfTheirOwnAndEachCountsOnce() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-a",
            "retry-once",
            50,
            spec -> {
              spec.setHandler("fail");
              // Every task fails its first attempt and succeeds its second.
              spec.setParameters(params().put("failAttempts", 1));
              spec.setMaxAttempts(3);
              spec.setBackoff(new Backoff(0, 1.0, 0));
            });
    bed.enqueue(queues, List.of(TestBed.packed(job, 0, 49)));
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-49".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    List<Outcome> outcomes = new ArrayList<>();
    await()
        .atMost(LONG)
        .until(
            () -> {
              outcomes.addAll(bed.drainOutcomes(queues));
              return outcomes.size() >= 100;
            });
    assertThat(outcomes.stream().filter(o -> o.kind() == Outcome.Kind.RETRYING))
        .hasSize(50)
        .allMatch(o -> o.attempt() == 1);
    assertThat(outcomes.stream().filter(o -> o.kind() == Outcome.Kind.SUCCEEDED))
        .hasSize(50)
        .allMatch(o -> o.attempt() == 2);
    JobStatus status = bed.status(job);
    assertThat(status.getSucceeded()).isEqualTo(50);
    assertThat(status.getFailed()).isZero();
  }

  @Test
  void aPackedMessageDeliveredAgainRunsOnlyWhatTheStatusLacksEachTaskAlone() {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-b", "again", 10, spec -> spec.setHandler("count"));
    // The first delivery's worker recorded 0-4, then died: the message comes back.
    Job recorded = bed.read(job);
    recorded.getStatus().setCompletedIndexes("0-4");
    recorded.getStatus().setSucceeded(5);
    bed.kube.client().resource(recorded).updateStatus();
    bed.enqueue(queues, List.of(TestBed.packed(job, 0, 9)));
    Message first =
        bed.sqs
            .receiveMessage(r -> r.queueUrl(queues.tasksUrl()).maxNumberOfMessages(1))
            .messages()
            .get(0);
    bed.sqs.changeMessageVisibility(
        r ->
            r.queueUrl(queues.tasksUrl())
                .receiptHandle(first.receiptHandle())
                .visibilityTimeout(0));
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-9".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    String uid = job.getMetadata().getUid();
    for (int i = 0; i < 5; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of recorded task %d", i).isZero();
    }
    for (int i = 5; i < 10; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(1);
    }
    assertThat(TestBed.counter(worker, "fanout_deliveries_skipped", "reason", "split"))
        .isEqualTo(5);
    // The second delivery is the second attempt of each task it still held.
    assertThat(bed.drainOutcomes(queues))
        .hasSize(5)
        .allMatch(o -> o.attempt() == 2 && o.kind() == Outcome.Kind.SUCCEEDED);
    assertThat(bed.status(job).getSucceeded()).isEqualTo(10);
  }

  @Test
  void aSuspendedJobsPackedTasksGoBackToTheOperatorOnceEachUnrun() {
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
    bed.enqueue(queues, List.of(TestBed.packed(job, 0, 4)));
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    List<Outcome> returned = new ArrayList<>();
    await()
        .atMost(LONG)
        .until(
            () -> {
              returned.addAll(bed.drainOutcomes(queues));
              return returned.size() >= 5;
            });
    assertThat(returned).extracting(Outcome::index).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    assertThat(returned).allMatch(o -> o.kind() == Outcome.Kind.RETURNED && o.attempt() == 0);
    assertThat(CountingHandler.runs(job.getMetadata().getUid())).isZero();
  }

  @Test
  void indexesOutsideTheJobAreCountedBadAndTheOthersRun() {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-d", "forged", 5, spec -> spec.setHandler("count"));
    bed.enqueue(queues, List.of(TestBed.packed(job, 3, 7)));
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> "3-4".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(TestBed.counter(worker, "fanout_bad_messages")).isEqualTo(3);
    assertThat(bed.status(job).getSucceeded()).isEqualTo(2);
    assertThat(bed.status(job).getTotal()).isEqualTo(5);
  }

  @Test
  void aMessageClaimingTooManyTasksOrAFirstIndexNotItsOwnIsDroppedAsBad() {
    TestBed.Queues queues = queues();
    Job job = bed.createJob("team-d", "too-many", 500, spec -> spec.setHandler("count"));
    TaskMessage tooMany = TestBed.packed(job, 0, 100); // 101 tasks
    TaskMessage notFirst = TestBed.packed(job, 200, 209);
    String notFirstBody = Messages.encode(notFirst).replace("\"index\":200", "\"index\":205");
    bed.enqueue(queues, List.of(tooMany));
    bed.sqs.sendMessage(r -> r.queueUrl(queues.tasksUrl()).messageBody(notFirstBody));
    Worker worker = bed.startWorker(queues);

    await().atMost(LONG).until(() -> TestBed.counter(worker, "fanout_bad_messages") == 2);
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(CountingHandler.runs(job.getMetadata().getUid())).isZero();
    assertThat(bed.status(job).getCompletedIndexes()).isNull();
  }

  @Test
  void aStoppingWorkerHandsAPackedMessagesUnstartedTasksBackWithoutSpendingAttempts() {
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-e",
            "handed",
            10,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(params().put("ms", 300));
              spec.setMaxAttempts(1);
            });
    bed.enqueue(queues, List.of(TestBed.packed(job, 0, 9)));
    String uid = job.getMetadata().getUid();
    Worker first = bed.startWorker(queues, Map.of("FANOUT_WORKER_CONCURRENCY", "1"));
    await().atMost(LONG).until(() -> CountingHandler.runs(uid) >= 1);
    first.shutdown();

    bed.startWorker(queues, Map.of("FANOUT_WORKER_CONCURRENCY", "4"));
    await().atMost(LONG).until(() -> "0-9".equals(bed.status(job).getCompletedIndexes()));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    for (int i = 0; i < 10; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(1);
    }
    // With maxAttempts 1, a handed-back task that spent its attempt would have failed.
    assertThat(bed.status(job).getFailed()).isZero();
  }

  @Test
  void theReceiveCountOfAPackedMessageIsEachTasksAttempt() {
    // A message read as another worker would, twice, without settling: the third delivery is
    // attempt 3 of each task it carries, past maxAttempts 2: each fails as WorkerLost, alone.
    TestBed.Queues queues = queues();
    Job job =
        bed.createJob(
            "team-f",
            "lost",
            3,
            spec -> {
              spec.setHandler("count");
              spec.setMaxAttempts(2);
            });
    bed.enqueue(queues, List.of(TestBed.packed(job, 0, 2)));
    for (int i = 0; i < 2; i++) {
      Message m =
          bed.sqs
              .receiveMessage(
                  r ->
                      r.queueUrl(queues.tasksUrl())
                          .maxNumberOfMessages(1)
                          .waitTimeSeconds(5)
                          .messageSystemAttributeNames(
                              MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
              .messages()
              .get(0);
      bed.sqs.changeMessageVisibility(
          r -> r.queueUrl(queues.tasksUrl()).receiptHandle(m.receiptHandle()).visibilityTimeout(0));
    }
    bed.startWorker(queues);

    await().atMost(LONG).until(() -> "0-2".equals(bed.status(job).getFailedIndexes()));
    assertThat(bed.status(job).getFailures())
        .hasSize(3)
        .allSatisfy(f -> assertThat(f.getReason()).isEqualTo("WorkerLost"));
    assertThat(CountingHandler.runs(job.getMetadata().getUid())).isZero();
  }
}
