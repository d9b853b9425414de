package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Eight workers share one Job: every task counts once, and status writes stay few. */
class ManyWorkersIT {
  private static final int TASKS = 5000;
  private static final int WORKERS = 8;

  @Test
  void eightWorkersFinishAFiveThousandTaskJobCountingEachTaskOnce() {
    try (TestBed bed = new TestBed()) {
      TestBed.Queues queues = bed.createQueues("many-", 60);
      Job job = bed.createJob("batch", "big", TASKS, spec -> {});
      bed.enqueue(queues, job, 0, TASKS - 1);
      long start = System.nanoTime();
      List<Worker> workers = new ArrayList<>();
      for (int i = 0; i < WORKERS; i++) {
        workers.add(
            bed.startWorker(
                queues,
                Map.of("FANOUT_WORKER_CONCURRENCY", "8", "FANOUT_WORKER_ID", "worker-" + i)));
      }

      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> ("0-" + (TASKS - 1)).equals(bed.status(job).getCompletedIndexes()));
      double seconds = (System.nanoTime() - start) / 1e9;
      await().atMost(Duration.ofMinutes(1)).until(() -> bed.depth(queues.tasksUrl()) == 0);

      JobStatus status = bed.status(job);
      assertThat(status.getSucceeded()).isEqualTo(TASKS);
      assertThat(status.getFailed()).isZero();
      assertThat(status.getProgress()).isEqualTo(TASKS + "/" + TASKS);
      double writes = 0;
      double conflicts = 0;
      double attempts = 0;
      int busyWorkers = 0;
      for (Worker worker : workers) {
        writes += TestBed.counter(worker, "fanout_status_writes");
        conflicts += TestBed.counter(worker, "fanout_status_conflicts");
        double ran = TestBed.counter(worker, "fanout_tasks", "outcome", "succeeded");
        attempts += ran;
        busyWorkers += ran > 0 ? 1 : 0;
      }
      System.out.printf(
          "%d noop tasks, %d workers x 8: %.1f s (%.0f tasks/s); %.0f status writes (%.1f per"
              + " 1,000 tasks), %.0f conflicts, %.0f runs%n",
          TASKS,
          WORKERS,
          seconds,
          TASKS / seconds,
          writes,
          writes * 1000 / TASKS,
          conflicts,
          attempts);
      assertThat(writes).isLessThan(TASKS / 5.0);
      // Every task ran at least once; a rerun (a visibility timeout that ran out) counts once.
      assertThat(attempts).isGreaterThanOrEqualTo(TASKS);
      assertThat(busyWorkers).isEqualTo(WORKERS);
    }
  }
}
