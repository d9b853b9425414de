package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault 6: a poison task that kills the worker running it, every time ({@code exec} of a shell that
 * sends SIGKILL to its parent, the worker's JVM). The test restarts dead workers, as Kubernetes
 * restarts a pod's container. After {@code maxAttempts} deliveries the task fails with reason
 * WorkerLost (or DeadLettered, had it reached the dead-letter queue first); the other tasks run
 * once each and the Job ends as {@code maxFailedTasks} says.
 */
class PoisonTaskFaultIT {
  private static final String JOB = "poison";
  private static final int TOTAL = 40;
  private static final int POISON = 13;
  private static final int MAX_ATTEMPTS = 2;

  @Test
  void aTaskThatKillsItsWorkerFailsAfterMaxAttemptsAndSparesTheOthers() throws Exception {
    try (FaultBed bed = FaultBed.start(JOB)) {
      bed.startOperator();
      bed.create(
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
          """
              .formatted(JOB, POISON, bed.effects(JOB), TOTAL, MAX_ATTEMPTS));
      bed.lowerVisibilityTimeout(5);
      // One task at a time: a worker the poison kills takes no other task's attempt with it.
      Map<String, String> settings = Map.of("FANOUT_WORKER_CONCURRENCY", "1");
      List<ChildProcess> workers =
          new ArrayList<>(
              List.of(
                  bed.launchWorker("worker-1", settings), bed.launchWorker("worker-2", settings)));
      int[] deaths = {0};
      Job job =
          await("Job " + JOB + " to finish, dead workers restarted meanwhile")
              .atMost(Duration.ofMinutes(3))
              .pollInterval(Duration.ofMillis(250))
              .until(
                  () -> {
                    for (int i = 0; i < workers.size(); i++) {
                      ChildProcess worker = workers.get(i);
                      if (!worker.isAlive()) {
                        deaths[0]++;
                        bed.expectDead(worker);
                        bed.report("%s %s; restarting it", worker.name(), worker.exitDescription());
                        workers.set(i, bed.launchWorker(worker.name(), settings));
                      }
                    }
                    return bed.job(JOB);
                  },
                  j -> j.getStatus() != null && j.getStatus().isFinished());

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
      assertThat(deaths[0]).as("workers the poison task killed").isEqualTo(MAX_ATTEMPTS);

      // The handler's record: tasks that finished on a worker the poison killed before their
      // outcome was written ran again, as after any worker's death; none ran not at all.
      FaultBed.Runs runs = bed.runs(JOB, TOTAL);
      assertThat(runs.perIndex()[POISON]).isZero();
      assertThat(runs.missing()).as("indexes that never ran to the end").isEqualTo(1);
      var rows = bed.awaitRows(job.getMetadata().getUid(), TOTAL - 1, Duration.ofSeconds(90));
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
          deaths[0],
          runs.repeated(),
          rows.byState());
    }
  }
}
