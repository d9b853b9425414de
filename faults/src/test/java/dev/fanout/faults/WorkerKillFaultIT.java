package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault 1: a worker killed with SIGKILL in the middle of a Job, with tasks running. Its messages
 * come back after their visibility timeout and the other worker runs them: every index ends up
 * counted exactly once, although some ran twice (those that finished but were not yet recorded).
 */
class WorkerKillFaultIT {
  private static final String JOB = "worker-kill";
  private static final int TOTAL = 2_000;

  @Test
  void aWorkerKilledWithTasksInFlightLosesNoTaskAndCountsEachOnce() throws Exception {
    try (FaultBed bed = FaultBed.start(JOB)) {
      bed.startOperator();
      Job created = bed.createAppendJob(JOB, TOTAL, 50);
      bed.lowerVisibilityTimeout(5);
      Map<String, String> settings = Map.of("FANOUT_WORKER_CONCURRENCY", "10");
      ChildProcess victim = bed.launchWorker("worker-1", settings);
      ChildProcess survivor = bed.launchWorker("worker-2", settings);
      bed.awaitReady(victim);
      bed.awaitReady(survivor);

      await().atMost(Duration.ofMinutes(2)).until(() -> bed.done(JOB) >= TOTAL / 4);
      double held =
          await("tasks in flight on " + victim.name())
              .atMost(Duration.ofMinutes(1))
              .pollInterval(Duration.ofMillis(20))
              .until(() -> inFlight(victim), n -> n > 0);
      int doneAtKill = bed.done(JOB);
      bed.kill(victim);
      bed.report(
          "%d of %d tasks recorded; %.0f running or awaiting their status write on %s",
          doneAtKill, TOTAL, held, victim.name());

      Job job = bed.awaitFinished(JOB, Duration.ofMinutes(3));
      FaultBed.assertAllSucceeded(job, TOTAL);

      FaultBed.Runs runs = bed.runs(JOB, TOTAL);
      assertThat(runs.missing()).as("indexes whose handler never ran to the end").isZero();
      var rows = bed.awaitRows(created.getMetadata().getUid(), TOTAL, Duration.ofSeconds(90));
      long redelivered =
          rows.byAttempts().entrySet().stream()
              .filter(e -> e.getKey() > 1)
              .mapToLong(e -> e.getValue())
              .sum();
      assertThat(redelivered).as("tasks delivered again after the worker died").isPositive();
      bed.report(
          "done: %s, %d succeeded, each counted once; %d tasks delivered again, %d of which ran"
              + " twice by the handler's record (finished on the killed worker, not yet"
              + " recorded); rows %s",
          job.getStatus().getPhase(),
          job.getStatus().getSucceeded(),
          redelivered,
          runs.repeated(),
          rows.byState());
    }
  }

  /** Tasks the worker holds: running, or finished and waiting for their status write. */
  private static double inFlight(ChildProcess worker) throws IOException {
    return Http.metric(worker.httpPort(), "fanout_tasks_running")
        + Http.metric(worker.httpPort(), "fanout_outcomes_pending");
  }
}
