package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariant 10, shutdown is not failure: what a worker holds when it is told to stop (SIGTERM) goes
 * back to the queue at once, without using up an attempt, and runs elsewhere at once.
 */
class WorkerShutdownIT {
  private static final Duration LONG = Duration.ofSeconds(60);

  /** The queue's visibility timeout: what a task released the old way waited for. */
  private static final int VISIBILITY_SECONDS = 60;

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

  @Test
  void aStoppingWorkerHandsBackRunningAndUnstartedTasksWhichRunElsewhereAtOnceUncounted() {
    TestBed.Queues queues = bed.createQueues("handback-", VISIBILITY_SECONDS);
    Job job =
        bed.createJob(
            "team-s",
            "handback",
            7,
            spec -> {
              spec.setHandler("count");
              // Tasks 0-3 take a minute on their first run, none after; the others none at all.
              spec.setParameters(
                  JsonNodeFactory.instance.objectNode().put("slow", 4).put("slowMs", 60_000));
              spec.setMaxAttempts(1);
            });
    String uid = job.getMetadata().getUid();
    bed.enqueue(queues, job, 0, 3);
    // Six slots for four tasks: its long poll for the other two is out when it is told to stop.
    Worker first =
        bed.startWorker(
            queues,
            Map.of(
                "FANOUT_WORKER_CONCURRENCY", "6",
                "FANOUT_SHUTDOWN_GRACE_SECONDS", "1",
                "FANOUT_RECEIVE_WAIT_SECONDS", "5"));
    await().atMost(LONG).until(() -> CountingHandler.runs(uid) == 4);
    // A copy of a running task (a late re-send, an SQS duplicate): held until task 0 ends.
    bed.enqueue(queues, List.of(TestBed.task(job, 0)));
    await()
        .atMost(LONG)
        .until(
            () -> TestBed.counter(first, "fanout_deliveries_skipped", "reason", "in_flight") == 1);

    long stopAsked = System.nanoTime();
    CompletableFuture<Void> stopped = CompletableFuture.runAsync(first::shutdown);
    await().atMost(LONG).until(() -> first.readiness() != null);
    // Arrives for the long poll under way: received after the stop, never started.
    bed.enqueue(queues, job, 4, 6);
    stopped.join();
    Duration shutdown = Duration.ofNanos(System.nanoTime() - stopAsked);

    assertThat(bed.status(job).getFailedIndexes()).as("nothing failed on the way out").isNull();

    long secondStart = System.nanoTime();
    bed.startWorker(queues, Map.of("FANOUT_WORKER_CONCURRENCY", "10"));
    JobStatus status =
        await()
            .atMost(LONG)
            .until(() -> bed.status(job), s -> s.completed().count() + s.failedSet().count() == 7);
    Duration toFinish = Duration.ofNanos(System.nanoTime() - secondStart);
    double handedBackStopped = handedBack(first, "true");
    double handedBackUnstarted = handedBack(first, "false");
    System.out.printf(
        "Shutdown took %d ms, handed back %.0f stopped and %.0f unstarted; a second worker"
            + " recorded all 7 tasks %d ms after it started (visibility timeout %d s)%n",
        shutdown.toMillis(),
        handedBackStopped,
        handedBackUnstarted,
        toFinish.toMillis(),
        VISIBILITY_SECONDS);
    assertThat(status.getFailures()).as("failures").isNull();
    assertThat(status.getFailed()).isZero();
    assertThat(status.getSucceeded()).isEqualTo(7);
    assertThat(status.getCompletedIndexes()).isEqualTo("0-6");
    assertThat(toFinish).as("not after a visibility timeout").isLessThan(Duration.ofSeconds(15));
    await().atMost(LONG).until(() -> bed.depth(queues.tasksUrl()) == 0);
    assertThat(bed.depth(queues.dlqUrl())).isZero();
    for (int i = 0; i < 7; i++) {
      assertThat(CountingHandler.runs(uid, i)).as("runs of task %d", i).isEqualTo(i < 4 ? 2 : 1);
    }
    // What the operator's task rows learn: each task succeeded on its first counted attempt.
    List<Outcome> outcomes = bed.drainOutcomes(queues);
    assertThat(outcomes)
        .hasSize(7)
        .allSatisfy(
            o -> {
              assertThat(o.kind()).isEqualTo(Outcome.Kind.SUCCEEDED);
              assertThat(o.attempt()).isEqualTo(1);
            });
    assertThat(handedBackStopped).as("running tasks stopped after the grace").isEqualTo(4);
    assertThat(handedBackUnstarted).as("tasks received after the stop").isPositive();
  }

  @Test
  void aTaskPastItsOwnTimeoutDuringTheGraceStillFailsWithTimeout() {
    TestBed.Queues queues = bed.createQueues("timeout-", VISIBILITY_SECONDS);
    Job job =
        bed.createJob(
            "team-s",
            "slow",
            1,
            spec -> {
              spec.setHandler("count");
              spec.setParameters(JsonNodeFactory.instance.objectNode().put("ms", 60_000));
              spec.setTaskTimeoutSeconds(2);
              spec.setMaxAttempts(1);
            });
    bed.enqueue(queues, job, 0, 0);
    Worker worker = bed.startWorker(queues, Map.of("FANOUT_SHUTDOWN_GRACE_SECONDS", "10"));
    await().atMost(LONG).until(() -> CountingHandler.runs(job.getMetadata().getUid()) == 1);

    worker.shutdown();

    JobStatus status = bed.status(job);
    assertThat(status.getFailedIndexes()).isEqualTo("0");
    assertThat(status.getFailures().get(0).getReason()).isEqualTo("Timeout");
    assertThat(handedBack(worker, "true") + handedBack(worker, "false")).isZero();
    assertThat(bed.depth(queues.tasksUrl())).isZero();
  }

  private static double handedBack(Worker worker, String started) {
    return TestBed.counter(
        worker, "fanout_tasks_handed_back", "reason", "shutdown", "started", started);
  }
}
