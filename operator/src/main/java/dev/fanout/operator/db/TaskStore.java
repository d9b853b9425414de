package dev.fanout.operator.db;

import dev.fanout.api.IndexSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;

/**
 * The task rows: created once per Job in JDBC batches, marked sent as the fan-out goes, updated
 * from workers' outcomes, and closed when the Job ends. Every write is idempotent, so a restart at
 * any point repeats nothing harmful.
 */
public final class TaskStore {
  private static final int INSERT_BATCH = 1000;

  private final SessionFactory sessions;

  public TaskStore(Database database) {
    this.sessions = database.sessions();
  }

  /**
   * A task not yet sent, with its merged parameters (null: the Job's parameters).
   *
   * @param attempted a send of it began before and did not confirm: it may be on the queue
   * @param attempts attempts made already (a task handed back, or resent after a lost queue)
   */
  public record PendingTask(int index, String params, boolean attempted, int attempts) {}

  public JobRecord find(String uid) {
    return sessions.fromStatelessTransaction(s -> s.get(JobRecord.class, uid));
  }

  /**
   * Creates the Job's record and all its task rows in one transaction, unless they exist.
   *
   * @param indexes the indexes of the tasks to run (spec.tasks.indexes, else all)
   * @param params the merged parameters of task i as JSON, or null for every task of a count Job
   */
  public JobRecord createIfAbsent(JobRecord job, IndexSet indexes, IntFunction<String> params) {
    return sessions.fromStatelessTransaction(
        s -> {
          JobRecord existing = s.get(JobRecord.class, job.getUid());
          if (existing != null) {
            return existing;
          }
          s.insert(job);
          s.doWork(c -> insertRows(c, job, indexes, params));
          return job;
        });
  }

  /**
   * The rows as {@link TaskRow} would insert them, in plain JDBC batches: at 100,000 rows, going
   * through the entity took twice as long, all of it before the first task could be sent.
   */
  private static void insertRows(
      Connection c, JobRecord job, IndexSet indexes, IntFunction<String> params)
      throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "insert into fanout_task (job_uid, task_index, params, state, attempts)"
                + " values (?, ?, ?, ?, 0)")) {
      int batched = 0;
      for (int[] run : indexes.intervals()) {
        for (int i = run[0]; i <= run[1]; i++) {
          insert.setString(1, job.getUid());
          insert.setInt(2, i);
          insert.setString(3, params == null ? null : params.apply(i));
          insert.setString(4, TaskState.PENDING.name());
          insert.addBatch();
          if (++batched % INSERT_BATCH == 0) {
            insert.executeBatch();
          }
        }
      }
      insert.executeBatch();
    }
  }

  /**
   * Up to {@code limit} unsent tasks above index {@code after} (-1: all), lowest index first. The
   * order names every column of the (job_uid, state, task_index) index, equal as the first two are
   * here: H2 then reads the index in order and stops at the limit, where {@code order by taskIndex}
   * alone made it read and sort every pending row at each round of the fan-out (0.2 s a round at
   * 50,000 pending rows).
   */
  public List<PendingTask> pending(String uid, int after, int limit) {
    return sessions.fromStatelessTransaction(
        s ->
            s
                .createSelectionQuery(
                    "select taskIndex, params, sentAt, attempts from TaskRow where jobUid = :uid"
                        + " and state = :state and taskIndex > :after"
                        + " order by jobUid, state, taskIndex",
                    Object[].class)
                .setParameter("uid", uid)
                .setParameter("state", TaskState.PENDING)
                .setParameter("after", after)
                .setMaxResults(limit)
                .getResultList()
                .stream()
                .map(
                    r ->
                        new PendingTask(
                            (Integer) r[0], (String) r[1], r[2] != null, (Integer) r[3]))
                .toList());
  }

  /** Whether the Job has a task of this index. */
  public boolean hasTask(String uid, int index) {
    return sessions.fromStatelessTransaction(
        s ->
            s.createSelectionQuery(
                        "select count(*) from TaskRow where jobUid = :uid and taskIndex = :index",
                        Long.class)
                    .setParameter("uid", uid)
                    .setParameter("index", index)
                    .getSingleResult()
                > 0);
  }

  /** Number of tasks that have left PENDING: sent, finished, or not run. */
  public long countSent(String uid) {
    return sessions.fromStatelessTransaction(
        s ->
            s.createSelectionQuery(
                    "select count(*) from TaskRow where jobUid = :uid and state <> :state",
                    Long.class)
                .setParameter("uid", uid)
                .setParameter("state", TaskState.PENDING)
                .getSingleResult());
  }

  /**
   * Notes, before they are sent, that these tasks are being sent: should the sender die before
   * {@link #markSent}, the rows tell which tasks may be on the queue already.
   */
  public void markSending(String uid, IndexSet sending, Instant at) {
    markPending(uid, sending, TaskState.PENDING, at, "");
  }

  /** Marks SENT the rows of a round still noted as being sent (not handed back meanwhile). */
  public void markSent(String uid, IndexSet sent, Instant at) {
    markPending(uid, sent, TaskState.SENT, at, " and sentAt is not null");
  }

  /**
   * Gives the PENDING rows among {@code indexes} (and meeting {@code condition}, HQL) this state
   * and {@code sentAt}.
   */
  private void markPending(
      String uid, IndexSet indexes, TaskState state, Instant at, String condition) {
    sessions.inStatelessTransaction(
        s -> {
          for (int[] range : indexes.intervals()) {
            s.createMutationQuery(
                    "update TaskRow set state = :state, sentAt = :at where jobUid = :uid"
                        + " and taskIndex between :from and :to and state = :pending"
                        + condition)
                .setParameter("state", state)
                .setParameter("at", at)
                .setParameter("uid", uid)
                .setParameter("from", range[0])
                .setParameter("to", range[1])
                .setParameter("pending", TaskState.PENDING)
                .executeUpdate();
          }
        });
  }

  /**
   * Rows whose task may be on the queue: sent, or noted as being sent (see {@link #markSending}).
   * Plain SQL.
   */
  private static final String MAY_BE_QUEUED =
      "(state = 'SENT' or (state = 'PENDING' and sent_at is not null))";

  /**
   * Puts these tasks, handed back unrun (their Job is suspended), back to PENDING without a send
   * time, so that the fan-out sends them again at once when their Job runs. A row past SENT stays
   * as it is: another copy of the task ran. A row still being sent (its round not yet marked SENT)
   * loses its send time too, so that the round's marking leaves it PENDING: a task handed back
   * within milliseconds of its send is not marked SENT into a queue that no longer holds it.
   */
  public void returnUnrun(List<Returned> tasks) {
    List<Returned> ordered =
        tasks.stream()
            .sorted(Comparator.comparing(Returned::jobUid).thenComparingInt(Returned::index))
            .toList();
    sessions.inStatelessTransaction(
        s ->
            s.doWork(
                c -> {
                  try (PreparedStatement update =
                      c.prepareStatement(
                          "update fanout_task set state = 'PENDING', sent_at = null,"
                              + " attempts = case when attempts > ? then attempts else ? end"
                              + " where job_uid = ? and task_index = ? and "
                              + MAY_BE_QUEUED)) {
                    for (Returned t : ordered) {
                      update.setInt(1, t.attempts());
                      update.setInt(2, t.attempts());
                      update.setString(3, t.jobUid());
                      update.setInt(4, t.index());
                      update.addBatch();
                    }
                    update.executeBatch();
                  }
                }));
  }

  /** A task handed back unrun, after {@code attempts} attempts made. */
  public record Returned(String jobUid, int index, int attempts) {}

  /** Per-state counts of a Job's rows. */
  public Map<TaskState, Long> countByState(String uid) {
    return sessions.fromStatelessTransaction(
        s ->
            s
                .createSelectionQuery(
                    "select state, count(*) from TaskRow where jobUid = :uid group by state",
                    Object[].class)
                .setParameter("uid", uid)
                .getResultList()
                .stream()
                .collect(
                    java.util.stream.Collectors.toMap(
                        r -> (TaskState) r[0],
                        r -> (Long) r[1],
                        Long::sum,
                        () -> new java.util.EnumMap<>(TaskState.class))));
  }

  public List<TaskRow> rows(String uid) {
    return sessions.fromStatelessTransaction(
        s ->
            s.createSelectionQuery(
                    "from TaskRow where jobUid = :uid order by taskIndex", TaskRow.class)
                .setParameter("uid", uid)
                .getResultList());
  }

  /**
   * Applies attempts' details, in one JDBC batch: a final attempt's state wins over SENT, PENDING
   * and NOT_RUN (the task did run), never over an earlier verdict; a retried attempt changes no
   * state. Plain SQL rather than HQL: Hibernate translates an HQL update again on each execution,
   * which made this, at one statement per outcome, the operator's busiest code under load.
   */
  public void recordOutcomes(List<OutcomeUpdate> updates) {
    if (updates.isEmpty()) {
      return;
    }
    // Rows in one order, the index order range updates take too: two drains never deadlock.
    List<OutcomeUpdate> ordered =
        updates.stream()
            .sorted(
                Comparator.comparing(OutcomeUpdate::jobUid).thenComparingInt(OutcomeUpdate::index))
            .toList();
    sessions.inStatelessTransaction(s -> s.doWork(c -> applyAll(c, ordered)));
  }

  private static final String RECORD_OUTCOME =
      "update fanout_task set"
          + " state = case when state in ('SUCCEEDED', 'FAILED') then state"
          + " else coalesce(?, state) end,"
          + " attempts = case when attempts > ? then attempts else ? end,"
          + " started_at = ?, finished_at = ?, duration_ms = ?, last_error = ?, result = ?"
          + " where job_uid = ? and task_index = ?";

  private static void applyAll(Connection c, List<OutcomeUpdate> updates) throws SQLException {
    try (PreparedStatement update = c.prepareStatement(RECORD_OUTCOME)) {
      for (OutcomeUpdate u : updates) {
        int i = 1;
        update.setString(i++, u.state().isFinal() ? u.state().name() : null);
        update.setInt(i++, u.attempts());
        update.setInt(i++, u.attempts());
        update.setObject(i++, utc(u.startedAt()), Types.TIMESTAMP);
        update.setObject(i++, utc(u.finishedAt()), Types.TIMESTAMP);
        update.setObject(i++, u.durationMs(), Types.BIGINT);
        update.setString(i++, u.error());
        update.setString(i++, u.result());
        update.setString(i++, u.jobUid());
        update.setInt(i, u.index());
        update.addBatch();
      }
      update.executeBatch();
    }
  }

  /** As Hibernate stores instants here: the UTC wall-clock time (hibernate.jdbc.time_zone=UTC). */
  private static LocalDateTime utc(Instant at) {
    return at == null ? null : LocalDateTime.ofInstant(at, ZoneOffset.UTC);
  }

  /**
   * Brings the rows of a finished Job in line with its status: indexes in the sets become SUCCEEDED
   * or FAILED (where no outcome message said so yet), the rest NOT_RUN.
   */
  public void finish(String uid, String phase, IndexSet completed, IndexSet failed, Instant at) {
    sessions.inStatelessTransaction(
        s -> {
          settle(s, uid, completed, TaskState.SUCCEEDED, at);
          settle(s, uid, failed, TaskState.FAILED, at);
          s.createMutationQuery(
                  "update TaskRow set state = :notRun where jobUid = :uid"
                      + " and state in (:open)")
              .setParameter("notRun", TaskState.NOT_RUN)
              .setParameter("uid", uid)
              .setParameter("open", List.of(TaskState.PENDING, TaskState.SENT))
              .executeUpdate();
          s.createMutationQuery(
                  "update JobRecord set phase = :phase, finishedAt = :at where uid = :uid"
                      + " and finishedAt is null")
              .setParameter("phase", phase)
              .setParameter("at", at)
              .setParameter("uid", uid)
              .executeUpdate();
        });
  }

  private static void settle(
      StatelessSession s, String uid, IndexSet indexes, TaskState state, Instant at) {
    for (int[] range : indexes.intervals()) {
      s.createMutationQuery(
              "update TaskRow set state = :state, finishedAt = coalesce(finishedAt, :at)"
                  + " where jobUid = :uid and taskIndex between :from and :to"
                  + " and state in (:open)")
          .setParameter("state", state)
          .setParameter("at", at)
          .setParameter("uid", uid)
          .setParameter("from", range[0])
          .setParameter("to", range[1])
          .setParameter("open", List.of(TaskState.PENDING, TaskState.SENT))
          .executeUpdate();
    }
  }

  /**
   * What {@link #requeueIfQueueChanged} did.
   *
   * @param previous the incarnation the rows were sent into, or null when none was recorded
   */
  public record Requeued(String previous, List<String> jobs, int tasks) {}

  /**
   * Records that the pool's queue is {@code incarnation}; if the rows were sent into another, puts
   * the unfinished Jobs' sent tasks back to PENDING, in the same transaction, so that they are sent
   * again with no delay. With no incarnation recorded yet (the first start, or the first after an
   * upgrade to this schema), only the tasks sent before the queue was created are: a queue that was
   * there all along still holds its messages.
   */
  public Requeued requeueIfQueueChanged(
      String pool, String queueName, String incarnation, Instant queueCreated, Instant at) {
    return sessions.fromStatelessTransaction(
        s -> s.doReturningWork(c -> requeue(c, pool, queueName, incarnation, queueCreated, at)));
  }

  private static final int QUEUE_CLOCK_MARGIN_SECONDS = 2;

  private static final String OPEN_JOBS_OF_POOL =
      "select uid from fanout_job where pool = ? and finished_at is null and deleted_at is null";

  private static Requeued requeue(
      Connection c,
      String pool,
      String queueName,
      String incarnation,
      Instant queueCreated,
      Instant at)
      throws SQLException {
    String previous = null;
    try (PreparedStatement read =
        c.prepareStatement("select incarnation from fanout_queue where name = ? for update")) {
      read.setString(1, queueName);
      try (var rs = read.executeQuery()) {
        if (rs.next()) {
          previous = rs.getString(1);
        }
      }
    }
    if (incarnation.equals(previous)) {
      return new Requeued(previous, List.of(), 0);
    }
    // Sent before this queue existed (a margin for the two clocks): lost with the one before.
    Instant sentBefore =
        previous == null ? queueCreated.minusSeconds(QUEUE_CLOCK_MARGIN_SECONDS) : at;
    String lost =
        " where job_uid in (" + OPEN_JOBS_OF_POOL + ") and " + MAY_BE_QUEUED + " and sent_at < ?";
    List<String> jobs = new java.util.ArrayList<>();
    try (PreparedStatement read =
        c.prepareStatement("select distinct job_uid from fanout_task" + lost)) {
      read.setString(1, pool);
      read.setObject(2, utc(sentBefore), Types.TIMESTAMP);
      try (var rs = read.executeQuery()) {
        while (rs.next()) {
          jobs.add(rs.getString(1));
        }
      }
    }
    int tasks;
    try (PreparedStatement update =
        c.prepareStatement("update fanout_task set state = 'PENDING', sent_at = null" + lost)) {
      update.setString(1, pool);
      update.setObject(2, utc(sentBefore), Types.TIMESTAMP);
      tasks = update.executeUpdate();
    }
    String upsert =
        previous == null
            ? "insert into fanout_queue (incarnation, seen_at, name) values (?, ?, ?)"
            : "update fanout_queue set incarnation = ?, seen_at = ? where name = ?";
    try (PreparedStatement write = c.prepareStatement(upsert)) {
      write.setString(1, incarnation);
      write.setObject(2, utc(at), Types.TIMESTAMP);
      write.setString(3, queueName);
      write.executeUpdate();
    }
    return new Requeued(previous, jobs, tasks);
  }

  /** Marks the Job's rows as history: the Job itself is gone. */
  public void markDeleted(String uid, Instant at) {
    sessions.inStatelessTransaction(
        s ->
            s.createMutationQuery(
                    "update JobRecord set deletedAt = :at where uid = :uid and deletedAt is null")
                .setParameter("at", at)
                .setParameter("uid", uid)
                .executeUpdate());
  }

  /** One attempt's details for a row. */
  public record OutcomeUpdate(
      String jobUid,
      int index,
      TaskState state,
      int attempts,
      Instant startedAt,
      Instant finishedAt,
      Long durationMs,
      String error,
      String result) {}
}
