package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The status writer against real queues and the mock API server, with the API failing on demand: no
 * message goes before its outcome is in the status (invariant 2), and none is lost meanwhile.
 */
class StatusWriterIT {
  private TestBed bed;
  private TestBed.Queues queues;
  private SqsClient sqs;
  private TaskQueue queue;
  private StatusWriter writer;
  private final AtomicReference<RuntimeException> failWith = new AtomicReference<>();
  private final AtomicInteger failuresLeft = new AtomicInteger(Integer.MAX_VALUE);
  private final AtomicInteger calls = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    bed = new TestBed();
    queues = bed.createQueues("sw-", 60);
    sqs = SqsClients.create(new SqsSettings(bed.sqsServer.endpoint(), null, null), 8);
    QueueConnector connector = new QueueConnector(sqs, new QueueNames("sw-"), "default");
    connector.await(() -> false);
    queue = new TaskQueue(sqs, sqs, connector);
    JobStatusWriter patcher = new JobStatusWriter(bed.kube.client(), new SimpleMeterRegistry());
    StatusWriter.StatusRecorder flaky =
        (namespace, name, uid, total, cached, batch) -> {
          calls.incrementAndGet();
          RuntimeException failure = failWith.get();
          if (failure != null && failuresLeft.getAndDecrement() > 0) {
            throw failure;
          }
          return patcher.record(namespace, name, uid, total, cached, batch);
        };
    writer =
        new StatusWriter(
            flaky,
            new JobCache(bed.kube.client(), List.of(), () -> {}),
            queue,
            new TaskLedger(),
            new Heartbeat(queue, connector, Clock.systemUTC()),
            Clock.systemUTC(),
            Duration.ofMillis(100));
    writer.start();
  }

  @AfterEach
  void tearDown() {
    writer.close();
    sqs.close();
    bed.close();
  }

  /** Receives the Job's task messages as a worker would and finishes them all. */
  private void finishAll(Job job, int count) {
    bed.enqueue(queues, job, 0, count - 1);
    List<Message> received = new ArrayList<>();
    await().until(() -> received.addAll(queue.receive(10, 1)) && received.size() >= count);
    for (Message message : received) {
      Delivery d = Delivery.of(message, System.currentTimeMillis());
      var t = d.task();
      Outcome outcome =
          new Outcome(
              t.jobUid(),
              t.namespace(),
              t.name(),
              t.index(),
              d.attempt(),
              Outcome.Kind.SUCCEEDED,
              null,
              null,
              null,
              d.receivedAtMillis(),
              1,
              "test");
      writer.add(new PendingOutcome(d, Finished.success(t.index(), d.attempt()), outcome));
    }
  }

  @Test
  void whileTheApiServerFailsOutcomesWaitAndTheirMessagesStay() {
    Job job = bed.createJob("team-h", "api-down", 3, spec -> {});
    failWith.set(new KubernetesClientException("service unavailable", 503, null));

    finishAll(job, 3);

    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> bed.depth(queues.tasksUrl()) == 3 && writer.pending() == 3);
    assertThat(calls.get()).isGreaterThan(1);
    assertThat(bed.status(job).getCompletedIndexes()).isNull();
    assertThat(bed.drainOutcomes(queues)).isEmpty();

    failWith.set(null);

    await().atMost(Duration.ofSeconds(15)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-2");
    assertThat(bed.drainOutcomes(queues)).hasSize(3);
    assertThat(writer.pending()).isZero();
  }

  @Test
  void aConflictThatOutlastsThePatchersRetriesIsTriedAgainLater() {
    Job job = bed.createJob("team-h", "contended", 2, spec -> {});
    failWith.set(new JobStatusWriter.ConflictException("status kept changing"));
    failuresLeft.set(2);

    finishAll(job, 2);

    await().atMost(Duration.ofSeconds(15)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-1");
    assertThat(calls.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void theMessagesOfAGoneJobAreDeletedWithoutReportingOutcomes() {
    Job job = bed.createJob("team-h", "gone", 2, spec -> {});
    bed.kube.client().resource(job).delete();
    await().until(() -> bed.read(job) == null);

    finishAll(job, 2);

    await().atMost(Duration.ofSeconds(15)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.drainOutcomes(queues)).isEmpty();
  }

  @Test
  void tasksThatEndAfterTheirJobFinishedReachTheOperatorButNotTheStatus() {
    Job job = bed.createJob("team-h", "finished", 3, spec -> {});
    Job finished = bed.read(job);
    finished.getStatus().setPhase(JobPhase.Failed);
    finished
        .getStatus()
        .setConditions(
            List.of(new JobCondition(JobCondition.FAILED, "True", "DeadlineExceeded", "")));
    bed.kube.client().resource(finished).updateStatus();

    finishAll(job, 3);

    await().atMost(Duration.ofSeconds(15)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.status(job).getCompletedIndexes()).isNull();
    assertThat(bed.status(job).getSucceeded()).isNull();
    assertThat(bed.drainOutcomes(queues)).hasSize(3);
  }
}
