package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 7: a worker stopped with SIGTERM (a scale-in, an eviction, a rollout) in the middle of 200
 * tasks of 2 s with {@code maxAttempts: 1}. Its grace period (1 s) is shorter than a task, so some
 * of its running tasks are stopped: they, and whatever it received but had not started, go back to
 * the queue without spending an attempt and run on the other workers at once, not after the
 * visibility timeout (invariant 10, shutdown is not failure). No task fails; each counts once.
 */
@ExtendWith(SharedBed.class)
@Order(7)
class WorkerShutdownFaultIT {
  private static final String JOB = "worker-shutdown";
  private static final int TOTAL = 200;
  private static final int TASK_MS = 2_000;

  /**
   * Long, so that a message left to its timeout could not come back before the Job ends: the
   * stopped worker's messages would stay hidden for most of a minute after the SIGTERM.
   */
  private static final int VISIBILITY_SECONDS = 60;

  private static final Map<String, String> WORKERS =
      Map.of(
          "FANOUT_WORKER_CONCURRENCY", "10",
          "FANOUT_SHUTDOWN_GRACE_SECONDS", "1",
          // Shutdown waits for the last long poll; no need to wait 20 s for it.
          "FANOUT_RECEIVE_WAIT_SECONDS", "5");

  private static final Pattern TALLY =
      Pattern.compile(
          "stopped in \\d+ ms: (\\d+) tasks finished within the grace period, (\\d+) handed back"
              + " unstarted, (\\d+) handed back stopped");

  @Test
  void aWorkerStoppedWithSigtermHandsItsTasksBackUncountedAndTheyRunElsewhereAtOnce(FaultBed bed)
      throws Exception {
    Jobs jobs = new Jobs(bed);
    bed.visibilityTimeout(VISIBILITY_SECONDS);
    try {
      List<ChildProcess> workers = bed.workers(3, WORKERS);
      ChildProcess victim = workers.get(0);
      // Fewer tasks out at once than the 30 slots: the workers wait on long polls with free slots,
      // as they do whenever the queue runs short, so the stopped one's last poll may bring tasks
      // it never starts.
      Job created = jobs.createAppendJob(JOB, TOTAL, TASK_MS, "maxAttempts: 1", "parallelism: 24");

      await().atMost(Duration.ofMinutes(2)).until(() -> jobs.done(JOB) >= TOTAL / 4);
      // The moment a task starts on it: that one, at least, is still running when the grace ends.
      double[] last = {Double.MAX_VALUE};
      double running =
          await("a task starting on " + victim.name())
              .atMost(Duration.ofMinutes(1))
              .pollInterval(Duration.ofMillis(20))
              .until(
                  () -> {
                    double now = Http.metric(victim.httpPort(), "fanout_tasks_running");
                    boolean started = now > last[0];
                    last[0] = now;
                    return started && now >= 5 ? now : 0;
                  },
                  n -> n > 0);
      int doneAtStop = jobs.done(JOB);
      long sigterm = System.nanoTime();
      bed.report(
          "%d of %d tasks recorded; %.0f running on %s; SIGTERM",
          doneAtStop, TOTAL, running, victim.name());
      Duration exit = bed.terminate(victim);

      Job job = jobs.awaitFinished(JOB, Duration.ofMinutes(3));
      Duration toFinish = Duration.ofNanos(System.nanoTime() - sigterm);
      Jobs.assertAllSucceeded(job, TOTAL);
      assertThat(victim.exitDescription()).isEqualTo("exited with code 0");
      assertThat(toFinish)
          .as("the Job's end after the SIGTERM, against the visibility timeout")
          .isLessThan(Duration.ofSeconds(VISIBILITY_SECONDS - 20));
      Jobs.Runs runs = jobs.runs(JOB, TOTAL);
      assertThat(runs.missing()).as("indexes whose handler never ran to the end").isZero();
      var rows = jobs.awaitRows(created, TOTAL, Duration.ofSeconds(90));
      assertThat(rows.byAttempts())
          .as("task rows by attempts: no attempt counted for the stop")
          .isEqualTo(Map.of(1, (long) TOTAL));

      int[] tally = tally(victim);
      assertThat(tally[2]).as("running tasks stopped after the grace and handed back").isPositive();
      bed.report(
          "done: %s, %d succeeded, 0 failed, each counted once; %s exited %.1f s after SIGTERM,"
              + " having finished %d tasks within its 1 s grace, handed back %d unstarted and %d"
              + " stopped; the Job ended %.1f s after the SIGTERM (visibility timeout %d s);"
              + " %d indexes ran twice to the end; rows by attempts %s",
          job.getStatus().getPhase(),
          job.getStatus().getSucceeded(),
          victim.name(),
          FaultBed.seconds(exit),
          tally[0],
          tally[1],
          tally[2],
          FaultBed.seconds(toFinish),
          VISIBILITY_SECONDS,
          runs.repeated(),
          rows.byAttempts());
    } finally {
      bed.visibilityTimeout(FaultBed.VISIBILITY_SECONDS);
      bed.stopWorkers();
    }
  }

  /** Finished, handed back unstarted, handed back stopped: the worker's last words. */
  private static int[] tally(ChildProcess worker) throws IOException {
    for (String line : Files.readAllLines(worker.log())) {
      Matcher m = TALLY.matcher(line);
      if (m.find()) {
        return new int[] {
          Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))
        };
      }
    }
    throw new AssertionError("no shutdown tally in the log of " + worker.name());
  }
}
