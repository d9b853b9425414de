package dev.fanout.operator.reconcile;

import dev.fanout.api.IndexSet;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.common.status.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides a Job's phase and conditions from its spec and the counts workers recorded. Pure: the
 * time comes in as an argument.
 */
public final class JobPhases {

  private JobPhases() {}

  /** The verdict: a phase, and the reason and message its condition carries. */
  public record Decision(JobPhase phase, String reason, String message) {}

  /**
   * @param problems what is wrong with the spec (empty when valid)
   * @param startTime when the Job started running, or last resumed; null before
   */
  public static Decision decide(
      JobSpec spec, JobStatus status, List<String> problems, Instant startTime, Instant now) {
    if (status != null && status.isFinished() && status.getPhase() != null) {
      JobCondition c =
          status.condition(
              status.isTrue(JobCondition.FAILED) ? JobCondition.FAILED : JobCondition.COMPLETE);
      return new Decision(status.getPhase(), c.getReason(), c.getMessage());
    }
    if (!problems.isEmpty()) {
      return new Decision(JobPhase.Failed, Reasons.INVALID_SPEC, String.join("; ", problems));
    }
    TaskFailure byPolicy = failedJobByPolicy(status);
    if (byPolicy != null) {
      return new Decision(
          JobPhase.Failed,
          Reasons.FAILURE_POLICY,
          "task " + byPolicy.getIndex() + " failed: " + byPolicy.getMessage());
    }
    int total = spec.taskCount();
    int succeeded = status == null ? 0 : status.completed().count();
    int failed = status == null ? 0 : status.failedSet().count();
    int maxFailed = spec.effectiveMaxFailedTasks();
    if (failed > maxFailed) {
      return new Decision(
          JobPhase.Failed,
          Reasons.MAX_FAILED_TASKS_EXCEEDED,
          failed + " tasks failed, more than spec.maxFailedTasks (" + maxFailed + ")");
    }
    if (succeeded + failed >= total) {
      String message =
          failed == 0
              ? "all " + total + " tasks succeeded"
              : succeeded
                  + " tasks succeeded and "
                  + failed
                  + " failed, within spec.maxFailedTasks ("
                  + maxFailed
                  + ")";
      return new Decision(JobPhase.Succeeded, Reasons.ALL_TASKS_FINISHED, message);
    }
    // As with a Kubernetes Job, the deadline does not run while the Job is suspended, and counts
    // afresh from its resumption (startTime is reset then).
    if (spec.isSuspended()) {
      return new Decision(JobPhase.Suspended, Reasons.JOB_SUSPENDED, "spec.suspend is true");
    }
    Duration left = deadlineLeft(spec, startTime, now);
    if (left != null && !left.isPositive()) {
      return new Decision(
          JobPhase.Failed,
          Reasons.DEADLINE_EXCEEDED,
          "the Job ran longer than spec.activeDeadlineSeconds ("
              + spec.getActiveDeadlineSeconds()
              + " s)");
    }
    return new Decision(JobPhase.Running, null, null);
  }

  /**
   * The failed task whose attempt a FailJob rule of spec.failurePolicy matched (its reason is
   * FailurePolicy, and the workers keep it among the failures), or null.
   */
  static TaskFailure failedJobByPolicy(JobStatus status) {
    if (status == null || status.getFailures() == null) {
      return null;
    }
    IndexSet failed = status.failedSet();
    for (TaskFailure f : status.getFailures()) {
      if (Reasons.FAILURE_POLICY.equals(f.getReason())
          && f.getIndex() != null
          && failed.contains(f.getIndex())) {
        return f;
      }
    }
    return null;
  }

  /** Time until the active deadline, or null when the Job has none or has not started. */
  public static Duration deadlineLeft(JobSpec spec, Instant startTime, Instant now) {
    if (spec == null || spec.getActiveDeadlineSeconds() == null || startTime == null) {
      return null;
    }
    return Duration.between(now, startTime.plusSeconds(spec.getActiveDeadlineSeconds()));
  }

  /**
   * The conditions after this decision. A condition keeps its lastTransitionTime unless its status
   * or reason changes.
   */
  public static List<JobCondition> conditions(
      Decision decision, List<JobCondition> current, Instant now) {
    List<JobCondition> next = new ArrayList<>();
    switch (decision.phase()) {
      case Succeeded -> next.add(condition(JobCondition.COMPLETE, "True", decision));
      case Failed -> next.add(condition(JobCondition.FAILED, "True", decision));
      case Suspended -> next.add(condition(JobCondition.SUSPENDED, "True", decision));
      default -> {}
    }
    boolean wasSuspended =
        current != null
            && current.stream().anyMatch(c -> JobCondition.SUSPENDED.equals(c.getType()));
    if (wasSuspended && decision.phase() != JobPhase.Suspended) {
      next.add(
          new JobCondition(
              JobCondition.SUSPENDED, "False", Reasons.JOB_RESUMED, "spec.suspend is false"));
    }
    for (JobCondition c : next) {
      JobCondition before = find(current, c.getType());
      boolean same =
          before != null
              && before.getStatus().equals(c.getStatus())
              && java.util.Objects.equals(before.getReason(), c.getReason());
      c.setLastTransitionTime(same ? before.getLastTransitionTime() : now.toString());
    }
    return next;
  }

  private static JobCondition condition(String type, String status, Decision d) {
    return new JobCondition(type, status, d.reason(), d.message());
  }

  private static JobCondition find(List<JobCondition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
