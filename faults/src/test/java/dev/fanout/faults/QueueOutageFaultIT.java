package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
class QueueOutageFaultIT {
  private static final String JOB = "sqs-outage";
  private static final int TOTAL = 1_500;
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void operatorAndWorkersBackOffWhileTheQueueIsDownAndResumeLosingNothing() throws Exception {
    try (FaultBed bed = FaultBed.start(JOB)) {
      ChildProcess operator = bed.startOperator();
      String uid = bed.createAppendJob(JOB, TOTAL, 20, "parallelism: 100").getMetadata().getUid();
      List<ChildProcess> workers = bed.startWorkers(2, Map.of("FANOUT_WORKER_CONCURRENCY", "8"));
      await().atMost(Duration.ofMinutes(2)).until(() -> bed.done(JOB) >= TOTAL / 5);

      int doneAtStop = bed.done(JOB);
      long stopped = System.nanoTime();
      bed.cutSqs();
      bed.report("SQS cut off with %d of %d tasks done", doneAtStop, TOTAL);
      await("the operator to report not-ready")
          .atMost(OUTAGE.minusSeconds(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> Http.readyz(operator.httpPort()) == 503);
      double operatorNotReady = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - stopped));
      await("the workers to report not-ready")
          .atMost(OUTAGE.minusSeconds(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> workers.stream().allMatch(w -> Http.readyz(w.httpPort()) == 503));
      double workersNotReady = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - stopped));
      bed.waitOut(stopped, OUTAGE);
      int doneInOutage = bed.done(JOB);
      bed.restoreSqs();
      long back = System.nanoTime();
      bed.report(
          "SQS reachable again after %.1f s; not ready: the operator %.1f s, the workers %.1f s into the"
              + " outage; %d tasks recorded meanwhile",
          FaultBed.seconds(Duration.ofNanos(back - stopped)),
          operatorNotReady,
          workersNotReady,
          doneInOutage - doneAtStop);

      await("the operator and workers to be ready again")
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  Http.readyz(operator.httpPort()) == 200
                      && workers.stream().allMatch(w -> Http.readyz(w.httpPort()) == 200));
      double readyAgain = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
      Job job = bed.awaitFinished(JOB, Duration.ofMinutes(3));
      double finished = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - back));
      FaultBed.assertAllSucceeded(job, TOTAL);
      FaultBed.Runs runs = bed.runs(JOB, TOTAL);
      assertThat(runs.missing()).as("indexes that never ran").isZero();
      var rows = bed.awaitRows(uid, TOTAL, Duration.ofSeconds(90));
      bed.report(
          "all ready again %.1f s after SQS came back, Job %s %.1f s after it; %d indexes ran"
              + " twice; rows %s",
          readyAgain, job.getStatus().getPhase(), finished, runs.repeated(), rows.byState());
    }
  }
}
