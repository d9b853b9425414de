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
 * Fault 2: the operator killed with SIGKILL in the middle of fanning out a 50,000-task Job, then
 * started again, as Kubernetes restarts a pod. The new operator resumes where the task rows say the
 * old one stopped: every task runs exactly once, by the handler's own record.
 */
class OperatorKillFaultIT {
  private static final String JOB = "operator-kill";
  private static final int TOTAL = 50_000;

  @Test
  void anOperatorKilledInTheMiddleOfFanOutResumesAndEveryTaskRunsOnce() throws Exception {
    try (FaultBed bed = FaultBed.start(JOB)) {
      ChildProcess operator = bed.startOperator();
      Map<String, String> settings = Map.of("FANOUT_WORKER_CONCURRENCY", "16");
      List<ChildProcess> workers =
          List.of(bed.launchWorker("worker-1", settings), bed.launchWorker("worker-2", settings));
      long created = System.nanoTime();
      String uid = bed.createAppendJob(JOB, TOTAL, 0).getMetadata().getUid();

      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> Http.metric(operator.httpPort(), "fanout_tasks_sent_total") >= TOTAL / 10);
      bed.kill(operator);
      var atKill = bed.rows(uid);
      long unsent = atKill.byState().getOrDefault("PENDING", 0L);
      bed.report("task rows when the operator died: %s", atKill.byState());
      assertThat(unsent).as("tasks not yet sent when the operator died").isPositive();

      ChildProcess restarted = bed.startOperator();
      for (ChildProcess worker : workers) {
        bed.awaitReady(worker);
      }
      Job job = bed.awaitFinished(JOB, Duration.ofMinutes(5));
      double seconds = FaultBed.seconds(Duration.ofNanos(System.nanoTime() - created));
      FaultBed.assertAllSucceeded(job, TOTAL);

      FaultBed.Runs runs = bed.runs(JOB, TOTAL);
      assertThat(runs.missing()).as("indexes that never ran").isZero();
      assertThat(runs.repeated()).as("indexes that ran more than once").isZero();
      var rows = bed.awaitRows(uid, TOTAL, Duration.ofSeconds(90));
      double dropped = 0;
      for (ChildProcess worker : workers) {
        dropped +=
            Http.metric(
                worker.httpPort(), "fanout_deliveries_skipped_total", "reason=\"duplicate\"");
      }
      bed.report(
          "done: %d tasks, each ran once, in %.1f s from the Job's creation (%.0f tasks/s);"
              + " the restarted operator sent %.0f; workers dropped %.0f duplicate deliveries;"
              + " rows %s",
          job.getStatus().getSucceeded(),
          seconds,
          TOTAL / seconds,
          Http.metric(restarted.httpPort(), "fanout_tasks_sent_total"),
          dropped,
          rows.byState());
    }
  }
}
