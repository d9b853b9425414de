package dev.fanout.api;

/** Where a Job is in its life; {@code status.phase}. */
public enum JobPhase {
  Pending,
  Running,
  Succeeded,
  Failed,
  Suspended;

  public boolean isFinished() {
    return this == Succeeded || this == Failed;
  }
}
