package dev.fanout.operator.db;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** One task of a Job: its parameters, state, attempts, timings, last error and short result. */
@Entity
@Table(name = "fanout_task")
@IdClass(TaskRow.Key.class)
public class TaskRow {
  @Id
  @Column(name = "job_uid")
  private String jobUid;

  @Id
  @Column(name = "task_index")
  private int taskIndex;

  /** The merged parameters of an items task; null for count tasks (they get the Job's). */
  @Column(name = "params")
  private String params;

  @Enumerated(EnumType.STRING)
  @Column(name = "state")
  private TaskState state;

  @Column(name = "attempts")
  private int attempts;

  @Column(name = "sent_at")
  private Instant sentAt;

  @Column(name = "started_at")
  private Instant startedAt;

  @Column(name = "finished_at")
  private Instant finishedAt;

  @Column(name = "duration_ms")
  private Long durationMs;

  @Column(name = "last_error")
  private String lastError;

  @Column(name = "result")
  private String result;

  protected TaskRow() {}

  public TaskRow(String jobUid, int taskIndex, String params) {
    this.jobUid = jobUid;
    this.taskIndex = taskIndex;
    this.params = params;
    this.state = TaskState.PENDING;
  }

  public String getJobUid() {
    return jobUid;
  }

  public int getTaskIndex() {
    return taskIndex;
  }

  public String getParams() {
    return params;
  }

  public TaskState getState() {
    return state;
  }

  public int getAttempts() {
    return attempts;
  }

  public Instant getSentAt() {
    return sentAt;
  }

  public Instant getStartedAt() {
    return startedAt;
  }

  public Instant getFinishedAt() {
    return finishedAt;
  }

  public Long getDurationMs() {
    return durationMs;
  }

  public String getLastError() {
    return lastError;
  }

  public String getResult() {
    return result;
  }

  /** The composite key: a Job's UID and the task's index. */
  public record Key(String jobUid, int taskIndex) implements Serializable {
    public Key() {
      this(null, 0);
    }
  }
}
