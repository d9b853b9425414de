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
 * Fault 4: SQS out of reach for 20 s while a Job runs; the operator and the workers both use it.
 * Both report not-ready, back off and resume; nothing is lost.
 *
 * <p>How the outage is modelled: the link between the programs and the ElasticMQ process is cut.
 * Every call is refused or reset, as when SQS cannot be reached, while the server keeps its queues,
 * messages and receive counts, as SQS does through an outage. Stopping ElasticMQ instead would
 * model a queue that forgets: in memory it loses every message; with its H2 message store, measured
 * here, it lost 7 of 159 messages it had acknowledged when stopped under load. Freezing it
 * (SIGSTOP) would leave calls hanging rather than failing, which tests none of the back-off.
 */
@ExtendWith(SharedBed.class)
@Order(3)
class QueueOutageFaultIT {
  private static final String JOB = "sqs-outage";
  private static final int TOTAL = 1_500;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void operatorAndWorkersBackOffWhileTheQueueIsDownAndResumeLosingNothing(FaultBed bed)
      throws Exception {
    Jobs jobs = new Jobs(bed);
    ChildProcess operator = bed.operator();
    List<ChildProcess> workers = bed.workers(2, FaultBed.STANDARD_WORKERS);
    Job created = jobs.createAppendJob(JOB, TOTAL, 20, "parallelism: 100");
    List<ChildProcess> all = List.of(operator, workers.get(0), workers.get(1));
    await().atMost(Duration.ofMinutes(2)).until(() -> jobs.done(JOB) >= TOTAL / 5);

    int doneAtCut = jobs.done(JOB);
    bed.report("cutting SQS off with %d of %d tasks done", doneAtCut, TOTAL);
    QueueServer sqs = bed.sqs();
    long back = bed.outage(OUTAGE, sqs::cut, sqs::restore, all);
    bed.report("%d tasks recorded during the outage", jobs.done(JOB) - doneAtCut);

    Http.awaitReadyz(200, Duration.ofMinutes(1), all);
    double readyAgain = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
    Job job = jobs.awaitFinished(JOB, Duration.ofMinutes(3));
    double finished = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
    Jobs.assertAllSucceeded(job, TOTAL);
    Jobs.Runs runs = jobs.runs(JOB, TOTAL);
    assertThat(runs.missing()).as("indexes that never ran").isZero();
    var rows = jobs.awaitRows(created, TOTAL, Duration.ofSeconds(90));
    bed.report(
        "all ready again %.1f s after SQS came back, Job %s %.1f s after it; %d indexes ran"
            + " twice; rows %s",
        readyAgain, job.getStatus().getPhase(), finished, runs.repeated(), rows.byState());
  }
}
