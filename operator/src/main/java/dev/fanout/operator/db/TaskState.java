package dev.fanout.operator.db;

/** Where a task row is: not yet sent, on the queue or running, or finished one way or another. */
public enum TaskState {
  PENDING,
  SENT,
  SUCCEEDED,
  FAILED,
  /** The Job ended (failed, deadline, deleted) before this task ran. */
  NOT_RUN;

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == NOT_RUN;
  }
}
