package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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

  /**
   * An outage longer than JOSDK's default five retries (about 30 s): the Job's last task finishes
   * while the database is away. Its verdict needs no database and is written at once; an operator
   * restarted meanwhile waits for the database, alive and not ready; the rows are settled within
   * seconds of the database's return.
   */
  @Test
  void aJobWhoseLastTaskEndsInALongOutageSucceedsAtOnceAndItsRowsSettleWhenTheDatabaseReturns(
      FaultBed bed) throws Exception {
    Jobs jobs = new Jobs(bed);
    bed.workers(2, FaultBed.STANDARD_WORKERS);
    Job created = jobs.createAppendJob(LONG_JOB, LONG_TOTAL, 200);
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> jobs.rows(created).byState().getOrDefault("PENDING", 0L) == 0);
    PrivatePostgres pg = bed.postgres();
    pg.stop();
    long stopped = System.nanoTime();
    Job job;
    CompletableFuture<ChildProcess> restarted;
    try {
      bed.report("stopped PostgreSQL with %d of %d tasks done", jobs.done(LONG_JOB), LONG_TOTAL);
      job = jobs.awaitFinished(LONG_JOB, Duration.ofSeconds(30));
      bed.report(
          "Job %s %.1f s into the outage, the database still away",
          job.getStatus().getPhase(),
          FaultBed.seconds(Duration.ofNanos(System.nanoTime() - stopped)));
      Jobs.assertAllSucceeded(job, LONG_TOTAL);

      // Past JOSDK's default retries, the operator killed and started again while still away.
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> true);
      bed.kill(bed.operator());
      restarted =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return bed.startOperator();
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      await().atMost(Duration.ofSeconds(30)).until(() -> bed.operator().isAlive());
      ChildProcess waiting = bed.operator();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> System.nanoTime() - stopped > LONG_OUTAGE.toNanos());
      assertThat(waiting.isAlive()).as("an operator started with the database away").isTrue();
      assertThat(Http.readyz(waiting.httpPort())).as("its /readyz").isEqualTo(503);
      assertThat(restarted).isNotDone();
    } finally {
      pg.restart();
    }
    long back = System.nanoTime();
    bed.report("PostgreSQL back after %.1f s", FaultBed.seconds(Duration.ofNanos(back - stopped)));
    restarted.get(90, TimeUnit.SECONDS);
    bed.report(
        "the restarted operator ready %.1f s after the database came back",
        FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back)));
    var rows = jobs.awaitRows(created, LONG_TOTAL, Duration.ofSeconds(60));
    bed.report(
        "rows %s settled %.1f s after the database came back",
        rows.byState(), FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back)));
    Http.awaitReadyz(200, Duration.ofSeconds(30), List.of(bed.operator()));
  }

  private static final String LONG_JOB = "db-long-outage";
  private static final int LONG_TOTAL = 300;
  private static final Duration LONG_OUTAGE = Duration.ofSeconds(45);
}
