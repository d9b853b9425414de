package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 5: status writes conflicting all the time: six workers, each writing what it finished to
 * the one Job's status every 10 ms. Each write carries the resourceVersion it read, so a stale one
 * gets 409 and is merged and written again: no update is lost and the counts come out exact.
 */
@ExtendWith(SharedBed.class)
@Order(5)
class StatusConflictFaultIT {
  private static final String JOB = "status-conflicts";
  private static final int TOTAL = 1_200;
  private static final int WORKERS = 6;

  @Test
  void manyWorkersWritingOneStatusAtOnceLoseNoUpdate(FaultBed bed) throws Exception {
    Jobs jobs = new Jobs(bed);
    List<ChildProcess> workers =
        bed.workers(
            WORKERS, Map.of("FANOUT_WORKER_CONCURRENCY", "4", "FANOUT_STATUS_FLUSH_MS", "10"));
    Job created = jobs.createAppendJob(JOB, TOTAL, 0);
    Job job = jobs.awaitFinished(JOB, Duration.ofMinutes(3));
    Jobs.assertAllSucceeded(job, TOTAL);
    assertThat(jobs.runs(JOB, TOTAL).missing()).as("indexes that never ran").isZero();
    var rows = jobs.awaitRows(created, TOTAL, Duration.ofSeconds(90));

    double writes = 0;
    double conflicts = 0;
    List<String> perWorker = new ArrayList<>();
    for (ChildProcess worker : workers) {
      double w = Http.metric(worker.httpPort(), "fanout_status_writes_total");
      double c = Http.metric(worker.httpPort(), "fanout_status_conflicts_total");
      perWorker.add(String.format("%s %.0f/%.0f", worker.name(), w, c));
      writes += w;
      conflicts += c;
    }
    bed.report(
        "%d workers wrote the status %.0f times and met %.0f conflicts (409); writes/409s per"
            + " worker: %s; rows %s",
        WORKERS, writes, conflicts, perWorker, rows.byState());
    assertThat(conflicts).as("status writes answered 409").isPositive();
  }
}
