package dev.fanout.worker;

import dev.fanout.api.IndexSet;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;

/**
 * Decides, before anything runs, what to do with a delivered task given its Job as last seen: the
 * checks of invariants 1 (each task counts once) and 7 (a deleted, finished or suspended Job runs
 * no new task). Pure, so a table of cases tests it.
 */
final class Admission {
  private Admission() {}

  /** What to do with a delivery. */
  enum Decision {
    RUN(null),
    /** The Job is deleted, or being deleted: drop the message. */
    JOB_GONE("job_gone"),
    /** A Job of the same name but another UID: the task belonged to its predecessor. */
    JOB_REPLACED("job_replaced"),
    JOB_FINISHED("job_finished"),
    /** The Job has no task of that index: a forged or broken message, counted as bad. */
    NO_SUCH_TASK(null),
    /** The index is already in completedIndexes or failedIndexes: a duplicate delivery. */
    ALREADY_RECORDED("duplicate"),
    /** Put the task back for later without spending an attempt. */
    SUSPENDED("suspended"),
    /** Earlier attempts used up maxAttempts without reporting: fail without running. */
    WORKER_LOST(null);

    /** Why a delivery was dropped or deferred, as the metric tags it; null when it is handled. */
    final String skipTag;

    Decision(String skipTag) {
      this.skipTag = skipTag;
    }

    boolean dropsMessage() {
      return this == JOB_GONE
          || this == JOB_REPLACED
          || this == NO_SUCH_TASK
          || this == JOB_FINISHED
          || this == ALREADY_RECORDED;
    }
  }

  /**
   * @param job the Job by the task's namespace/name, or null when there is none
   * @param recordedHere indexes of this Job this worker already wrote to its status, which a
   *     lagging cache may not show yet
   */
  static Decision decide(
      Job job, String taskUid, int index, int attempt, int maxAttempts, IndexSet recordedHere) {
    if (job == null) {
      return Decision.JOB_GONE;
    }
    if (!taskUid.equals(job.getMetadata().getUid())) {
      return Decision.JOB_REPLACED;
    }
    if (job.getMetadata().getDeletionTimestamp() != null) {
      // Being deleted: the operator's finalizer is closing its rows.
      return Decision.JOB_GONE;
    }
    if (!TaskChecks.hasTask(job.getSpec(), index)) {
      return Decision.NO_SUCH_TASK;
    }
    JobStatus status = job.getStatus();
    if (status != null
        && (status.isFinished() || (status.getPhase() != null && status.getPhase().isFinished()))) {
      return Decision.JOB_FINISHED;
    }
    if (recordedHere.contains(index)
        || (status != null
            && (status.completed().contains(index) || status.failedSet().contains(index)))) {
      return Decision.ALREADY_RECORDED;
    }
    if (job.getSpec() != null && job.getSpec().isSuspended()) {
      return Decision.SUSPENDED;
    }
    if (attempt > maxAttempts) {
      return Decision.WORKER_LOST;
    }
    return Decision.RUN;
  }

  /** The status message of a {@link Decision#WORKER_LOST} failure. */
  static String workerLostMessage(int attempt, int maxAttempts) {
    return "attempt "
        + attempt
        + " of "
        + maxAttempts
        + ": earlier attempts died with their worker";
  }
}
