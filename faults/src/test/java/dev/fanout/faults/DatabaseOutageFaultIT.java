package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault 3: PostgreSQL stopped for 20 s while a Job runs. The operator cannot send more tasks
 * (parallelism makes it top the queue up from the task rows) nor record outcomes: it reports
 * not-ready and keeps retrying, without crashing; once the database is back the Job finishes and
 * the rows catch up.
 */
class DatabaseOutageFaultIT {
  private static final String JOB = "db-outage";
  private static final int TOTAL = 1_500;
  private static final int PARALLELISM = 50;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void theOperatorWaitsOutADatabaseOutageAndTheRowsCatchUp() throws Exception {
    try (FaultBed bed = FaultBed.start(JOB)) {
      ChildProcess operator = bed.startOperator();
      String uid =
          bed.createAppendJob(JOB, TOTAL, 20, "parallelism: " + PARALLELISM).getMetadata().getUid();
      bed.startWorkers(2, Map.of("FANOUT_WORKER_CONCURRENCY", "8"));
      await().atMost(Duration.ofMinutes(2)).until(() -> bed.done(JOB) >= TOTAL / 5);

      int doneAtStop = bed.done(JOB);
      long stopped = System.nanoTime();
      bed.postgres().stop();
      bed.report("PostgreSQL stopped with %d of %d tasks done", doneAtStop, TOTAL);
      await("the operator to report not-ready")
          .atMost(OUTAGE.minusSeconds(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> Http.readyz(operator.httpPort()) == 503);
      double notReadyAfter = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - stopped));
      bed.waitOut(stopped, OUTAGE);
      int doneInOutage = bed.done(JOB);
      bed.postgres().restart();
      long back = System.nanoTime();
      bed.report(
          "PostgreSQL back after %.1f s; the operator was not ready %.1f s into the outage;"
              + " %d tasks done meanwhile (at most the %d queued)",
          FaultBed.seconds(Duration.ofNanos(back - stopped)),
          notReadyAfter,
          doneInOutage - doneAtStop,
          PARALLELISM);
      assertThat(doneInOutage).as("tasks done by the end of the outage").isLessThan(TOTAL);

      await("the operator to be ready again")
          .atMost(Duration.ofMinutes(1))
          .until(() -> Http.readyz(operator.httpPort()) == 200);
      double readyAgain = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
      Job job = bed.awaitFinished(JOB, Duration.ofMinutes(3));
      double finished = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
      FaultBed.assertAllSucceeded(job, TOTAL);
      assertThat(operator.isAlive()).as("the operator, never restarted").isTrue();
      assertThat(bed.runs(JOB, TOTAL).missing()).as("indexes that never ran").isZero();
      var rows = bed.awaitRows(uid, TOTAL, Duration.ofSeconds(90));
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
}
