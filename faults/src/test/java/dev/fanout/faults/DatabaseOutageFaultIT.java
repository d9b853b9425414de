package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 3: PostgreSQL stopped for 20 s while a Job runs. The operator cannot send more tasks
 * (parallelism makes it top the queue up from the task rows) nor record outcomes: it reports
 * not-ready and keeps retrying, without crashing; once the database is back the Job finishes and
 * the rows catch up.
 */
@ExtendWith(SharedBed.class)
@Order(2)
class DatabaseOutageFaultIT {
  private static final String JOB = "db-outage";
  private static final int TOTAL = 1_500;
  private static final int PARALLELISM = 40;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void theOperatorWaitsOutADatabaseOutageAndTheRowsCatchUp(FaultBed bed) throws Exception {
    Jobs jobs = new Jobs(bed);
    ChildProcess operator = bed.operator();
    bed.workers(2, FaultBed.STANDARD_WORKERS);
    Job created = jobs.createAppendJob(JOB, TOTAL, 100, "parallelism: " + PARALLELISM);
    await().atMost(Duration.ofMinutes(2)).until(() -> jobs.done(JOB) >= TOTAL / 5);

    int doneAtStop = jobs.done(JOB);
    bed.report("stopping PostgreSQL with %d of %d tasks done", doneAtStop, TOTAL);
    PrivatePostgres pg = bed.postgres();
    long back = bed.outage(OUTAGE, pg::stop, pg::restart, List.of(operator));
    int doneInOutage = jobs.done(JOB);
    bed.report(
        "%d tasks done during the outage (parallelism %d: what was queued as the database"
            + " went away)",
        doneInOutage - doneAtStop, PARALLELISM);
    assertThat(doneInOutage).as("tasks done by the end of the outage").isLessThan(TOTAL);

    Http.awaitReadyz(200, Duration.ofMinutes(1), List.of(operator));
    double readyAgain = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
    Job job = jobs.awaitFinished(JOB, Duration.ofMinutes(3));
    double finished = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
    Jobs.assertAllSucceeded(job, TOTAL);
    assertThat(operator.isAlive()).as("the operator, never restarted").isTrue();
    assertThat(jobs.runs(JOB, TOTAL).missing()).as("indexes that never ran").isZero();
    var rows = jobs.awaitRows(created, TOTAL, Duration.ofSeconds(90));
    bed.report(
        "ready again %.1f s after the database came back, Job %s %.1f s after it, rows %s"
            + " %.1f s after it; reconcile errors %.0f",
        readyAgain,
        job.getStatus().getPhase(),
        finished,
        rows.byState(),
        FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back)),
        Http.metric(operator.httpPort(), "fanout_reconcile_errors_total"));
  }
}
