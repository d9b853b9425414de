package dev.fanout.operator.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads for the console: task rows one page at a time by index (keyset paging, so a page costs the
 * same at index 0 and at 99,000 and nothing holds more than a page), the Jobs' records by name
 * (also once deleted), counts by state, and the finished-over-time curve. Plain JDBC, read-only.
 */
public final class TaskPages {
  public static final int MAX_LIMIT = 1000;

  private final DataSource dataSource;

  public TaskPages(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One task row as the console shows it. */
  public record Task(
      int index,
      TaskState state,
      int attempts,
      Instant startedAt,
      Instant finishedAt,
      Long durationMillis,
      String error,
      String result) {}

  /**
   * @param next the index to pass as {@code after} for the following page; null on the last page
   */
  public record Page(List<Task> items, Integer next) {}

  /** A Job's record: what the operator kept of it, also after the Job was deleted. */
  public record JobHistory(
      String uid,
      String namespace,
      String name,
      String pool,
      int total,
      Instant createdAt,
      Instant finishedAt,
      String phase,
      Instant deletedAt) {}

  /**
   * Up to {@code limit} tasks with an index above {@code after}, lowest first, in one state if
   * given. The order names the columns of the index read (the primary key, or (job_uid, state,
   * task_index) with a state) so the database walks it and stops at the limit.
   */
  public Page page(String uid, int after, TaskState state, int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
    }
    String sql =
        "select task_index, state, attempts, started_at, finished_at, duration_ms, last_error,"
            + " result from fanout_task where job_uid = ?"
            + (state == null
                ? " and task_index > ? order by job_uid, task_index"
                : " and state = ? and task_index > ? order by job_uid, state, task_index")
            + " limit ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement q = c.prepareStatement(sql)) {
      int i = 1;
      q.setString(i++, uid);
      if (state != null) {
        q.setString(i++, state.name());
      }
      q.setInt(i++, after);
      // One more than asked: whether there is a next page, without a count.
      q.setInt(i, limit + 1);
      List<Task> items = new ArrayList<>(Math.min(limit, 1000));
      boolean more = false;
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          if (items.size() == limit) {
            more = true;
            break;
          }
          long duration = r.getLong(6);
          Long durationMillis = r.wasNull() ? null : duration;
          items.add(
              new Task(
                  r.getInt(1),
                  TaskState.valueOf(r.getString(2)),
                  r.getInt(3),
                  instant(r.getTimestamp(4)),
                  instant(r.getTimestamp(5)),
                  durationMillis,
                  r.getString(7),
                  r.getString(8)));
        }
      }
      return new Page(items, more ? items.get(items.size() - 1).index() : null);
    } catch (SQLException e) {
      throw new IllegalStateException("reading the task rows: " + e.getMessage(), e);
    }
  }

  /** The newest record of a Job of that name (several when it was deleted and created again). */
  public Optional<JobHistory> newest(String namespace, String name) {
    return job(
        "select uid, namespace, name, pool, total, created_at, finished_at, phase, deleted_at"
            + " from fanout_job where namespace = ? and name = ? order by created_at desc limit 1",
        namespace,
        name);
  }

  public Optional<JobHistory> byUid(String uid) {
    return job(
        "select uid, namespace, name, pool, total, created_at, finished_at, phase, deleted_at"
            + " from fanout_job where uid = ?",
        uid);
  }

  private Optional<JobHistory> job(String sql, String... params) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement q = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        q.setString(i + 1, params[i]);
      }
      try (ResultSet r = q.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new JobHistory(
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getInt(5),
                instant(r.getTimestamp(6)),
                instant(r.getTimestamp(7)),
                r.getString(8),
                instant(r.getTimestamp(9))));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading the Job records: " + e.getMessage(), e);
    }
  }

  /** The Job's rows counted by state. */
  public Map<TaskState, Long> counts(String uid) {
    Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
    try (Connection c = dataSource.getConnection();
        PreparedStatement q =
            c.prepareStatement(
                "select state, count(*) from fanout_task where job_uid = ? group by state")) {
      q.setString(1, uid);
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          counts.put(TaskState.valueOf(r.getString(1)), r.getLong(2));
        }
      }
      return counts;
    } catch (SQLException e) {
      throw new IllegalStateException("counting the task rows: " + e.getMessage(), e);
    }
  }

  /**
   * Tasks finished so far over time, at most {@code points} points: the rows' finish times counted
   * into equal buckets between the first and the last, streamed (never all held at once).
   */
  public List<long[]> throughput(String uid, int points) {
    try (Connection c = dataSource.getConnection()) {
      Instant first;
      Instant last;
      try (PreparedStatement q =
          c.prepareStatement(
              "select min(finished_at), max(finished_at) from fanout_task"
                  + " where job_uid = ? and finished_at is not null")) {
        q.setString(1, uid);
        try (ResultSet r = q.executeQuery()) {
          r.next();
          first = instant(r.getTimestamp(1));
          last = instant(r.getTimestamp(2));
        }
      }
      if (first == null) {
        return List.of();
      }
      ThroughputBuckets buckets =
          new ThroughputBuckets(first.toEpochMilli(), last.toEpochMilli(), points);
      boolean autoCommit = c.getAutoCommit();
      // PostgreSQL streams with a fetch size only inside a transaction.
      c.setAutoCommit(false);
      try (PreparedStatement q =
          c.prepareStatement(
              "select finished_at from fanout_task where job_uid = ? and finished_at is not null")) {
        q.setFetchSize(1000);
        q.setString(1, uid);
        try (ResultSet r = q.executeQuery()) {
          while (r.next()) {
            buckets.add(instant(r.getTimestamp(1)).toEpochMilli());
          }
        }
      } finally {
        c.rollback();
        c.setAutoCommit(autoCommit);
      }
      return buckets.cumulative();
    } catch (SQLException e) {
      throw new IllegalStateException("reading the finish times: " + e.getMessage(), e);
    }
  }

  /** Rows hold UTC wall-clock times (Hibernate's {@code jdbc.time_zone=UTC}). */
  private static Instant instant(Timestamp t) {
    if (t == null) {
      return null;
    }
    LocalDateTime local = t.toLocalDateTime();
    return local.toInstant(ZoneOffset.UTC);
  }
}
