package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 1: a worker killed with SIGKILL in the middle of a Job, with tasks running. Its messages
 * come back after their visibility timeout and the other worker runs them: every index ends up
 * counted exactly once, although some ran twice (those that finished but were not yet recorded).
 * Ten tasks travel in a message: a message the killed worker held comes back whole, and only its
 * tasks the status does not hold run again.
 */
@ExtendWith(SharedBed.class)
@Order(1)
class WorkerKillFaultIT {
  private static final String JOB = "worker-kill";
  private static final int TOTAL = 2_000;

  @Test
  void aWorkerKilledWithTasksInFlightLosesNoTaskAndCountsEachOnce(FaultBed bed) throws Exception {
    Jobs jobs = new Jobs(bed);
    ChildProcess victim = bed.workers(2, FaultBed.STANDARD_WORKERS).get(0);
    Job created = jobs.createAppendJob(JOB, TOTAL, 50, "tasksPerMessage: 10");

    await().atMost(Duration.ofMinutes(2)).until(() -> jobs.done(JOB) >= TOTAL / 4);
    double held =
        await("tasks in flight on " + victim.name())
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> inFlight(victim), n -> n > 0);
    int doneAtKill = jobs.done(JOB);
    bed.kill(victim);
    bed.report(
        "%d of %d tasks recorded; %.0f running or awaiting their status write on %s",
        doneAtKill, TOTAL, held, victim.name());

    Job job = jobs.awaitFinished(JOB, Duration.ofMinutes(3));
    Jobs.assertAllSucceeded(job, TOTAL);
    Jobs.Runs runs = jobs.runs(JOB, TOTAL);
    assertThat(runs.missing()).as("indexes whose handler never ran to the end").isZero();
    var rows = jobs.awaitRows(created, TOTAL, Duration.ofSeconds(90));
    long redelivered =
        rows.byAttempts().entrySet().stream()
            .filter(e -> e.getKey() > 1)
            .mapToLong(e -> e.getValue())
            .sum();
    assertThat(redelivered).as("tasks delivered again after the worker died").isPositive();
    bed.report(
        "done: %s, %d succeeded, each counted once; %d tasks delivered again, %d of which ran"
            + " twice by the handler's record (finished on the killed worker, not yet recorded);"
            + " rows %s",
        job.getStatus().getPhase(),
        job.getStatus().getSucceeded(),
        redelivered,
        runs.repeated(),
        rows.byState());
  }

  /** Tasks the worker holds: running, or finished and waiting for their status write. */
  private static double inFlight(ChildProcess worker) throws IOException {
    return Http.metric(worker.httpPort(), "fanout_tasks_running")
        + Http.metric(worker.httpPort(), "fanout_outcomes_pending");
  }
}
