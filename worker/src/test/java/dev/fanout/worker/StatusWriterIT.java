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
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

  /** The tries the last write was allowed. */
  private final AtomicInteger lastTries = new AtomicInteger();

  /** Tries that the next write makes as if each met a conflict, before its real one. */
  private final AtomicInteger fakeConflicts = new AtomicInteger();

  /** A copy of the Job the next write starts from instead of the cache's, once. */
  private final AtomicReference<Job> staleCopy = new AtomicReference<>();

  /** Runs when a write first asks for its batch, once. */
  private final AtomicReference<Runnable> onFirstTry = new AtomicReference<>();

  private final TestClock clock = new TestClock();

  /** The system clock, unless a test stops it (then moves it on by hand). */
  private static final class TestClock extends Clock {
    private final AtomicLong stoppedAt = new AtomicLong(-1);

    void stop() {
      stoppedAt.set(System.currentTimeMillis());
    }

    void advance(Duration by) {
      stoppedAt.addAndGet(by.toMillis());
    }

    @Override
    public long millis() {
      long stopped = stoppedAt.get();
      return stopped < 0 ? System.currentTimeMillis() : stopped;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

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
        (namespace, name, uid, total, cached, tries, batch) -> {
          calls.incrementAndGet();
          lastTries.set(tries);
          RuntimeException failure = failWith.get();
          if (failure != null && failuresLeft.getAndDecrement() > 0) {
            throw failure;
          }
          Runnable[] first = {onFirstTry.getAndSet(null)};
          java.util.function.Supplier<List<Finished>> asked =
              () -> {
                if (first[0] != null) {
                  first[0].run();
                  first[0] = null;
                }
                return batch.get();
              };
          for (int i = fakeConflicts.getAndSet(0); i > 0; i--) {
            asked.get();
          }
          Job stale = staleCopy.getAndSet(null);
          return patcher.record(
              namespace, name, uid, total, stale != null ? stale : cached, tries, asked);
        };
    writer =
        new StatusWriter(
            flaky,
            new JobCache(bed.kube.client(), List.of(), () -> {}),
            queue,
            new TaskLedger(),
            new Heartbeat(queue, connector, Clock.systemUTC()),
            clock,
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
    finished(job, count).forEach(writer::add);
  }

  /** Receives the Job's task messages as a worker would; their outcomes, by index. */
  private List<PendingOutcome> finished(Job job, int count) {
    bed.enqueue(queues, job, 0, count - 1);
    List<Message> received = new ArrayList<>();
    await().until(() -> received.addAll(queue.receive(10, 1)) && received.size() >= count);
    List<PendingOutcome> outcomes = new ArrayList<>();
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
      outcomes.add(new PendingOutcome(d, Finished.success(t.index(), d.attempt()), outcome));
    }
    outcomes.sort(java.util.Comparator.comparingInt(o -> o.finished().index()));
    return outcomes;
  }

  @Test
  void aWriteThatMeetsAConflictTakesInWhatFinishedMeanwhile() {
    Job job = bed.createJob("team-h", "grows", 4, spec -> {});
    List<PendingOutcome> outcomes = finished(job, 3);
    // Another worker writes task 3 after this one's copy of the Job was taken.
    staleCopy.set(bed.read(job));
    new JobStatusWriter(bed.kube.client(), new SimpleMeterRegistry())
        .record(
            "team-h",
            "grows",
            job.getMetadata().getUid(),
            4,
            null,
            List.of(Finished.success(3, 1)));
    // Task 2 ends while the write of tasks 0 and 1 is under way.
    onFirstTry.set(() -> writer.add(outcomes.get(2)));

    writer.add(outcomes.get(0));
    writer.add(outcomes.get(1));

    await().atMost(Duration.ofSeconds(15)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-3");
    assertThat(bed.status(job).getSucceeded()).isEqualTo(4);
    assertThat(calls.get()).as("one write, its retry holding task 2").isEqualTo(1);
    assertThat(bed.drainOutcomes(queues)).hasSize(3);
    assertThat(writer.pending()).isZero();
  }

  @Test
  void afterConflictsTheJobsNextWriteWaitsItsGapEvenWhenHurriedButNotForFlushNow() {
    Job job = bed.createJob("team-h", "paced", 3, spec -> {});
    List<PendingOutcome> outcomes = finished(job, 3);
    clock.stop();
    fakeConflicts.set(5);

    writer.add(outcomes.get(0));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "0".equals(bed.status(job).getCompletedIndexes()));

    writer.add(outcomes.get(1));
    writer.hurry();
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> calls.get() == 1 && writer.pending() == 1);

    // Before a task that may kill the worker, what finished is written, gap or not.
    writer.flushNow();
    assertThat(calls.get()).isEqualTo(2);
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-1");

    // A write that went through first time halves the gap; once it has passed, the next goes.
    writer.add(outcomes.get(2));
    writer.hurry();
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> calls.get() == 2);
    clock.advance(Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-2");
  }

  @Test
  void whileAJobsWritesWaitOutAGapEachTriesOnceAndTheWorkerMayHoldMore() {
    Job job = bed.createJob("team-h", "stretched", 2, spec -> {});
    List<PendingOutcome> outcomes = finished(job, 2);
    clock.stop();
    assertThat(writer.backlogStretch()).isEqualTo(1);
    // 16 conflicts: a gap of 16 steps (160 ms), more than one interval (100 ms here).
    fakeConflicts.set(16);

    writer.add(outcomes.get(0));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "0".equals(bed.status(job).getCompletedIndexes()));
    assertThat(lastTries.get()).isEqualTo(StatusWriter.WRITE_TRIES);
    assertThat(writer.backlogStretch()).as("1 + 160 ms / 100 ms").isEqualTo(2);

    writer.add(outcomes.get(1));
    clock.advance(Duration.ofSeconds(1));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "0-1".equals(bed.status(job).getCompletedIndexes()));
    assertThat(lastTries.get())
        .as("a Job with a gap: one try, then the batch waits for the next gap")
        .isEqualTo(1);
    assertThat(writer.backlogStretch()).as("a clean write halved the gap").isEqualTo(1);
  }

  @Test
  void shutdownWritesAHeldJobsOutcomes() throws InterruptedException {
    Job job = bed.createJob("team-h", "held-at-shutdown", 2, spec -> {});
    List<PendingOutcome> outcomes = finished(job, 2);
    clock.stop();
    fakeConflicts.set(5);
    writer.add(outcomes.get(0));
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1 && writer.pending() == 0);
    writer.add(outcomes.get(1));

    writer.drain(Duration.ofSeconds(5));

    assertThat(bed.status(job).getCompletedIndexes()).isEqualTo("0-1");
    assertThat(bed.depth(queues.tasksUrl())).isZero();
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
