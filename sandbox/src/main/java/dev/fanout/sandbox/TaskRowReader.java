package dev.fanout.sandbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads, over plain JDBC, what the operator wrote to its database about a Job: the {@code
 * fanout_job} record and a summary of its {@code fanout_task} rows. For H2 the sandbox gives the
 * operator a URL with {@code AUTO_SERVER=TRUE}, so this second process can open the same file. The
 * fault tests read their rows through it too.
 */
public final class TaskRowReader implements AutoCloseable {
  /** One task row as the summary shows it. */
  public record Row(int index, String state, int attempts, Long durationMs, String lastError) {}

  /** A Job's rows: counts by state and by attempts, the slowest, and the failed ones. */
  public record Summary(
      boolean recorded,
      int total,
      String phase,
      boolean finished,
      Map<String, Long> byState,
      Map<Integer, Long> byAttempts,
      List<Row> slowest,
      List<Row> failed,
      long failedCount,
      long withoutDetails) {}

  private final Connection connection;

  public TaskRowReader(String url, String user, String password) throws SQLException {
    connection = DriverManager.getConnection(url, user == null ? "" : user, password);
  }

  /**
   * Waits until the operator has closed the Job's record and the workers' outcomes for its finished
   * tasks have reached the rows, at most {@code patience}; then reads them.
   */
  public Summary awaitSettled(String uid, Duration patience)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    Summary summary = read(uid);
    while ((!summary.finished() || summary.withoutDetails() > 0) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      summary = read(uid);
    }
    return summary;
  }

  public Summary read(String uid) throws SQLException {
    boolean recorded = false;
    int total = 0;
    String phase = null;
    boolean finished = false;
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select total, phase, finished_at from fanout_job where uid = ?")) {
      ps.setString(1, uid);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          recorded = true;
          total = rs.getInt(1);
          phase = rs.getString(2);
          finished = rs.getTimestamp(3) != null;
        }
      }
    }
    Map<String, Long> byState = new LinkedHashMap<>();
    for (Object[] r :
        query(
            "select state, count(*) from fanout_task where job_uid = ? group by state"
                + " order by count(*) desc, state",
            uid,
            2)) {
      byState.put((String) r[0], ((Number) r[1]).longValue());
    }
    Map<Integer, Long> byAttempts = new LinkedHashMap<>();
    for (Object[] r :
        query(
            "select attempts, count(*) from fanout_task where job_uid = ? group by attempts"
                + " order by attempts",
            uid,
            2)) {
      byAttempts.put(((Number) r[0]).intValue(), ((Number) r[1]).longValue());
    }
    List<Row> slowest =
        rows(
            "select task_index, state, attempts, duration_ms, last_error from fanout_task"
                + " where job_uid = ? and duration_ms is not null"
                + " order by duration_ms desc, task_index fetch first 5 rows only",
            uid);
    List<Row> failed =
        rows(
            "select task_index, state, attempts, duration_ms, last_error from fanout_task"
                + " where job_uid = ? and state = 'FAILED' order by task_index"
                + " fetch first 20 rows only",
            uid);
    long withoutDetails =
        count(
            "select count(*) from fanout_task where job_uid = ?"
                + " and state in ('SUCCEEDED', 'FAILED') and duration_ms is null",
            uid);
    return new Summary(
        recorded,
        total,
        phase,
        finished,
        byState,
        byAttempts,
        slowest,
        failed,
        byState.getOrDefault("FAILED", 0L),
        withoutDetails);
  }

  private List<Object[]> query(String sql, String uid, int columns) throws SQLException {
    List<Object[]> result = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, uid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Object[] row = new Object[columns];
          for (int i = 0; i < columns; i++) {
            row[i] = rs.getObject(i + 1);
          }
          result.add(row);
        }
      }
    }
    return result;
  }

  private List<Row> rows(String sql, String uid) throws SQLException {
    List<Row> result = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, uid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long duration = rs.getLong(4);
          result.add(
              new Row(
                  rs.getInt(1),
                  rs.getString(2),
                  rs.getInt(3),
                  rs.wasNull() ? null : duration,
                  rs.getString(5)));
        }
      }
    }
    return result;
  }

  private long count(String sql, String uid) throws SQLException {
    return ((Number) query(sql, uid, 1).get(0)[0]).longValue();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
