package dev.fanout.bench;

import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.WorkerFields;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * (4) Status cost at scale. Writes and 409s per task come from the end-to-end runs (2). The size: a
 * Job of {@code tasks} tasks whose tasks finish in random order, the worst case for the index sets,
 * replayed through the workers' own merge ({@link WorkerFields}) in batches as a worker writes
 * them, starting from a real finished Job's status: one task at a time (what {@code
 * tasksPerMessage: 1} can do), and in runs of {@link #PACKED_RUN} consecutive indexes in random
 * order (what a worker of packed messages records). With {@code --run-fanout-job} the fanned-out
 * Job of (3) is also run to the end by workers, for the real thing at full size.
 */
final class StatusCost {
  private static final Duration LIMIT = Duration.ofMinutes(30);

  /** A worker writes once 100 outcomes wait (or every 250 ms); one batch of the replay. */
  static final int BATCH = 100;

  /** Consecutive indexes that finish together in the packed replay: one packed message's. */
  static final int PACKED_RUN = 10;

  record Run(
      int tasks,
      int workers,
      double seconds,
      double tasksPerSecond,
      double writesPer1000Tasks,
      double conflictsPer1000Writes,
      int statusBytesAtEnd,
      int peakStatusBytes) {}

  /** A replay: {@code run} consecutive indexes finish together, the runs in random order. */
  record RandomOrder(
      int tasks,
      int run,
      int batch,
      long seed,
      int peakStatusBytes,
      double peakAtDone,
      int endStatusBytes) {}

  /** {@code run} is null unless asked for. */
  record Result(RandomOrder randomOrder, RandomOrder packedOrder, Run run) {}

  private final Rig rig;
  private final JobWatch watch;
  private final Progress progress;

  StatusCost(Rig rig, JobWatch watch, Progress progress) {
    this.rig = rig;
    this.watch = watch;
    this.progress = progress;
  }

  /**
   * @param finished a Job that succeeded, whose status is the replay's model
   * @param runWorkers workers to run the fanned-out Job to its end with; 0 for none
   */
  Result run(int tasks, Job finished, int runWorkers) throws Exception {
    RandomOrder random = randomOrder(finished.getStatus(), tasks, 1, 42);
    RandomOrder packed = randomOrder(finished.getStatus(), tasks, PACKED_RUN, 42);
    for (RandomOrder replay : List.of(random, packed)) {
      progress.say(
          "(4) %,d tasks finishing in random order, %d consecutive at a time: status at most %,d"
              + " bytes (at %.0f%% done), %,d at the end",
          tasks,
          replay.run(),
          replay.peakStatusBytes(),
          100 * replay.peakAtDone(),
          replay.endStatusBytes());
    }
    return new Result(random, packed, runWorkers == 0 ? null : runFanOutJob(tasks, runWorkers));
  }

  private Run runFanOutJob(int tasks, int workers) throws Exception {
    long start = System.nanoTime();
    List<Rig.Node> nodes = rig.scaleWorkers(FanOut.POOL, workers);
    long end = watch.awaitSucceeded(FanOut.JOB, LIMIT);
    double seconds = (end - start) / 1e9;
    double writes = TimedJob.sum(nodes, "fanout_status_writes_total");
    double conflicts = TimedJob.sum(nodes, "fanout_status_conflicts_total");
    Run run =
        new Run(
            tasks,
            workers,
            seconds,
            tasks / seconds,
            1000 * writes / tasks,
            writes == 0 ? 0 : 1000 * conflicts / writes,
            JobWatch.statusBytes(rig.get(FanOut.JOB)),
            watch.track(FanOut.JOB).maxStatusBytes);
    rig.stopWorkers(FanOut.POOL);
    progress.say(
        "(4) the %,d-task Job run by %d workers (JVM start included): %.1f s, %,.0f tasks/s;"
            + " %.1f status writes per 1,000 tasks, %.0f 409s per 1,000 writes; status %,d bytes"
            + " at the end, %,d at most",
        tasks,
        workers,
        seconds,
        run.tasksPerSecond(),
        run.writesPer1000Tasks(),
        run.conflictsPer1000Writes(),
        run.statusBytesAtEnd(),
        run.peakStatusBytes());
    return run;
  }

  /**
   * The status a Job of {@code tasks} tasks goes through when they finish in a random order, {@code
   * run} consecutive indexes at a time: the final status given, with the worker-owned fields as the
   * merge makes them after each batch.
   */
  static RandomOrder randomOrder(JobStatus finalStatus, int tasks, int run, long seed) {
    List<Integer> starts = new ArrayList<>(tasks / run + 1);
    for (int i = 0; i < tasks; i += run) {
      starts.add(i);
    }
    Collections.shuffle(starts, new Random(seed));
    List<Integer> order = new ArrayList<>(tasks);
    for (int start : starts) {
      for (int i = start; i < Math.min(tasks, start + run); i++) {
        order.add(i);
      }
    }
    JobStatus status = Serialization.clone(finalStatus);
    status.setTotal(tasks);
    WorkerFields fields = WorkerFields.of(null, tasks);
    int peak = 0;
    int peakAt = 0;
    int bytes = 0;
    for (int from = 0; from < tasks; from += BATCH) {
      List<Finished> batch = new ArrayList<>(BATCH);
      for (int i = from; i < Math.min(tasks, from + BATCH); i++) {
        batch.add(Finished.success(order.get(i), 1));
      }
      fields = fields.merge(batch);
      status.setCompletedIndexes(fields.completed().format());
      status.setSucceeded(fields.succeeded());
      status.setProgress(fields.progress());
      bytes = Serialization.asJson(status).getBytes(StandardCharsets.UTF_8).length;
      if (bytes > peak) {
        peak = bytes;
        peakAt = Math.min(tasks, from + BATCH);
      }
    }
    return new RandomOrder(tasks, run, BATCH, seed, peak, (double) peakAt / tasks, bytes);
  }
}
