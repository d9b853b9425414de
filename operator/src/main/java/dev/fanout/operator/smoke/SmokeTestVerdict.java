package dev.fanout.operator.smoke;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobStatus;

/**
 * What one look at the smoke test's Job says: a line to print and, once the Job has finished or is
 * gone, the exit code. No I/O.
 *
 * @param exitCode 0 (Complete) or 1 (Failed, gone); null while the Job goes on
 */
record SmokeTestVerdict(String line, Integer exitCode) {
  static final int PASSED = 0;
  static final int FAILED = 1;

  boolean finished() {
    return exitCode != null;
  }

  /** The verdict on {@code job} as just read, null when it no longer exists. */
  static SmokeTestVerdict of(Job job) {
    if (job == null) {
      return new SmokeTestVerdict("the Job is gone: something else deleted it", FAILED);
    }
    JobStatus status = job.getStatus();
    if (status == null || status.getPhase() == null) {
      return new SmokeTestVerdict("no status yet", null);
    }
    if (status.isTrue(JobCondition.COMPLETE)) {
      return new SmokeTestVerdict(
          "Complete: " + message(status.condition(JobCondition.COMPLETE)), PASSED);
    }
    if (status.isTrue(JobCondition.FAILED)) {
      return new SmokeTestVerdict(
          "Failed: " + message(status.condition(JobCondition.FAILED)), FAILED);
    }
    String progress = status.getProgress() == null ? "" : " " + status.getProgress();
    int failed = status.getFailed() == null ? 0 : status.getFailed();
    return new SmokeTestVerdict(
        status.getPhase() + progress + (failed == 0 ? "" : ", " + failed + " failed"), null);
  }

  /**
   * Why a Job last seen as {@code job} may not have completed in time: the part of Fanout that did
   * not do its share.
   */
  static String stalled(Job job, String pool) {
    JobStatus status = job == null ? null : job.getStatus();
    if (status == null || status.getPhase() == null) {
      return "the operator never wrote its status: is the operator running, and does it watch"
          + " this namespace?";
    }
    int done =
        (status.getSucceeded() == null ? 0 : status.getSucceeded())
            + (status.getFailed() == null ? 0 : status.getFailed());
    if (done == 0) {
      return "no task finished: are workers of pool \""
          + pool
          + "\" running, and do they serve this namespace?";
    }
    return "tasks are finishing, slowly: raise the timeout or look at the workers' logs";
  }

  private static String message(JobCondition condition) {
    String reason = condition.getReason() == null ? "" : condition.getReason();
    String message = condition.getMessage() == null ? "" : condition.getMessage();
    return reason.isEmpty() ? message : message.isEmpty() ? reason : reason + ": " + message;
  }
}
