package dev.fanout.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * (5) Latency on an idle system: 1-task {@code noop} Jobs one after another, from {@code create} to
 * {@code Succeeded} as a watch sees it; and from the task's end (the time the worker reported, in
 * the operator's task row) to its index showing in the status the watch receives.
 */
final class Latency {
  private static final Duration LIMIT = Duration.ofMinutes(1);

  record Result(
      int runs,
      double createToSucceededP50Ms,
      double createToSucceededP90Ms,
      double createToSucceededMaxMs,
      double finishToVisibleP50Ms,
      double finishToVisibleMaxMs,
      List<Double> createToSucceededMs,
      List<Double> finishToVisibleMs) {}

  private final Rig rig;
  private final JobWatch watch;
  private final Progress progress;

  Latency(Rig rig, JobWatch watch, Progress progress) {
    this.rig = rig;
    this.watch = watch;
    this.progress = progress;
  }

  Result run(int runs) throws Exception {
    List<Double> total = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      String name = "latency-" + i;
      names.add(name);
      long start = rig.create(name, "noop", 1, EndToEnd.POOL);
      long end = watch.awaitSucceeded(name, LIMIT);
      total.add((end - start) / 1e6);
      Thread.sleep(200);
    }
    List<Double> visible = new ArrayList<>();
    try (Connection db = DriverManager.getConnection(rig.dbUrl(), "", "")) {
      for (String name : names) {
        JobWatch.Track track = watch.track(name);
        Instant finished = finishedAt(db, track.last.getMetadata().getUid());
        visible.add(Duration.between(finished, track.firstIndexAt).toNanos() / 1e6);
      }
    }
    Result result =
        new Result(
            runs,
            percentile(total, 50),
            percentile(total, 90),
            percentile(total, 100),
            percentile(visible, 50),
            percentile(visible, 100),
            total,
            visible);
    progress.say(
        "(5) 1-task Job, create to Succeeded: p50 %.0f ms, p90 %.0f ms, max %.0f ms (%d runs);"
            + " task end to index in status: p50 %.0f ms, max %.0f ms",
        result.createToSucceededP50Ms(),
        result.createToSucceededP90Ms(),
        result.createToSucceededMaxMs(),
        runs,
        result.finishToVisibleP50Ms(),
        result.finishToVisibleMaxMs());
    return result;
  }

  /** When the worker says task 0 ended; the outcome reaches the row soon after the status. */
  private static Instant finishedAt(Connection db, String uid)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    try (PreparedStatement query =
        db.prepareStatement(
            "select finished_at from fanout_task where job_uid = ? and task_index = 0")) {
      query.setString(1, uid);
      while (true) {
        try (ResultSet rs = query.executeQuery()) {
          if (rs.next() && rs.getObject(1) != null) {
            // The operator stores instants as UTC timestamps (hibernate.jdbc.time_zone=UTC).
            return rs.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no finished_at in the task row of Job " + uid);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The nearest-rank percentile; 100 is the maximum. */
  static double percentile(List<Double> values, int p) {
    List<Double> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }
}
