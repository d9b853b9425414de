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
 * Fault 2: the operator killed with SIGKILL in the middle of fanning out a 50,000-task Job, then
 * started again, as Kubernetes restarts a pod. The new operator resumes where the task rows say the
 * old one stopped: every task runs exactly once, by the handler's own record.
 */
@ExtendWith(SharedBed.class)
@Order(4)
class OperatorKillFaultIT {
  private static final String JOB = "operator-kill";
  private static final int TOTAL = 50_000;

  @Test
  void anOperatorKilledInTheMiddleOfFanOutResumesAndEveryTaskRunsOnce(FaultBed bed)
      throws Exception {
    Jobs jobs = new Jobs(bed);
    List<ChildProcess> workers = bed.workers(2, FaultBed.STANDARD_WORKERS);
    ChildProcess operator = bed.operator();
    double sentBefore = Http.metric(operator.httpPort(), "fanout_tasks_sent_total");
    long created = System.nanoTime();
    Job job = jobs.createAppendJob(JOB, TOTAL, 0);

    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                Http.metric(operator.httpPort(), "fanout_tasks_sent_total") - sentBefore
                    >= TOTAL / 10);
    bed.kill(operator);
    var atKill = jobs.rows(job);
    bed.report("task rows when the operator died: %s", atKill.byState());
    assertThat(atKill.byState().getOrDefault("PENDING", 0L))
        .as("tasks not yet sent when the operator died")
        .isPositive();

    ChildProcess restarted = bed.startOperator();
    job = jobs.awaitFinished(JOB, Duration.ofMinutes(5));
    double seconds = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - created));
    Jobs.assertAllSucceeded(job, TOTAL);
    Jobs.Runs runs = jobs.runs(JOB, TOTAL);
    assertThat(runs.missing()).as("indexes that never ran").isZero();
    assertThat(runs.repeated()).as("indexes that ran more than once").isZero();
    var rows = jobs.awaitRows(job, TOTAL, Duration.ofSeconds(90));
    double dropped = 0;
    for (ChildProcess worker : workers) {
      dropped +=
          Http.metric(worker.httpPort(), "fanout_deliveries_skipped_total", "reason=\"duplicate\"");
    }
    bed.report(
        "done: %d tasks, each ran once, in %.1f s from the Job's creation (%.0f tasks/s);"
            + " the restarted operator sent %.0f; the workers have dropped %.0f duplicate"
            + " deliveries in all; rows %s",
        job.getStatus().getSucceeded(),
        seconds,
        TOTAL / seconds,
        Http.metric(restarted.httpPort(), "fanout_tasks_sent_total"),
        dropped,
        rows.byState());
  }
}
