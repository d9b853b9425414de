package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 6: a poison task that kills the worker running it, every time ({@code exec} of a shell that
 * sends SIGKILL to its parent, the worker's JVM). The test restarts dead workers, as Kubernetes
 * restarts a pod's container. After {@code maxAttempts} deliveries the task fails with reason
 * WorkerLost (or DeadLettered, had it reached the dead-letter queue first); the other tasks succeed
 * and the Job ends as {@code maxFailedTasks} says. Its tasks travel ten to a message: the message
 * the poison is in comes back, and each of its tasks then goes on alone, so that the poison takes
 * only itself to its end.
 */
@ExtendWith(SharedBed.class)
@Order(6)
class PoisonTaskFaultIT {
  private static final String JOB = "poison";
  private static final int TOTAL = 40;
  private static final int POISON = 13;
  private static final int MAX_ATTEMPTS = 2;

  @Test
  void aTaskThatKillsItsWorkerFailsAfterMaxAttemptsAndSparesTheOthers(FaultBed bed)
      throws Exception {
    Jobs jobs = new Jobs(bed);
    bed.stopWorkers(); // else the last scenario's workers might take the poison first
    Job created =
        jobs.create(
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata:
              name: %s
            spec:
              handler: exec
              command:
                - sh
                - -c
                - 'if [ "$FANOUT_TASK_INDEX" = %d ]; then kill -9 "$PPID"; exit 1; fi; echo "$FANOUT_TASK_INDEX" >> %s'
              tasks:
                count: %d
              maxAttempts: %d
              maxFailedTasks: 1
              tasksPerMessage: 10
            """
                .formatted(JOB, POISON, jobs.effects(JOB), TOTAL, MAX_ATTEMPTS));
    // One task at a time: a worker the poison kills takes no other running task with it. Not
    // waited for: the poison may kill one before it is seen ready.
    bed.launchWorkers(2, Map.of("FANOUT_WORKER_CONCURRENCY", "1"));
    AtomicInteger deaths = new AtomicInteger();
    Job job =
        await("Job " + JOB + " to finish, dead workers restarted meanwhile")
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(250))
            // Workers started from Awaitility's own thread would get SIGTERM when it ends: the
            // parent-death signal ChildProcess asks for follows the thread that started them.
            .pollInSameThread()
            .until(
                () -> {
                  for (ChildProcess dead : bed.restartDeadWorkers()) {
                    deaths.incrementAndGet();
                    bed.report("%s %s; restarting it", dead.name(), dead.exitDescription());
                  }
                  return jobs.get(JOB);
                },
                Jobs::finished);

    JobStatus status = job.getStatus();
    assertThat(status.getPhase()).isEqualTo(JobPhase.Succeeded);
    assertThat(status.getFailedIndexes()).isEqualTo(String.valueOf(POISON));
    assertThat(status.getSucceeded()).isEqualTo(TOTAL - 1);
    assertThat(status.getCompletedIndexes())
        .isEqualTo("0-" + (POISON - 1) + "," + (POISON + 1) + "-" + (TOTAL - 1));
    assertThat(status.getFailures()).hasSize(1);
    TaskFailure failure = status.getFailures().get(0);
    assertThat(failure.getIndex()).isEqualTo(POISON);
    assertThat(failure.getReason()).isIn("WorkerLost", "DeadLettered");
    assertThat(deaths.get()).as("workers the poison task killed").isEqualTo(MAX_ATTEMPTS);
    // The handler's record: a task that finished on a worker the poison then killed, before its
    // outcome was written, would run again, as after any worker's death.
    Jobs.Runs runs = jobs.runs(JOB, TOTAL);
    assertThat(runs.perIndex()[POISON]).isZero();
    assertThat(runs.missing()).as("indexes that never ran to the end").isEqualTo(1);
    var rows = jobs.awaitRows(created, TOTAL - 1, Duration.ofSeconds(90));
    assertThat(rows.byState()).containsEntry("FAILED", 1L);
    bed.report(
        "done: %s, %d succeeded, task %d failed (%s after %d attempts: %s); %d workers killed"
            + " and restarted; %d other tasks ran twice; rows %s",
        status.getPhase(),
        status.getSucceeded(),
        POISON,
        failure.getReason(),
        failure.getAttempts(),
        failure.getMessage(),
        deaths.get(),
        runs.repeated(),
        rows.byState());
  }
}
