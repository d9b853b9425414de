package dev.fanout.common.status;

import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status fields the operator owns (phase, total, times, observed generation, conditions), as
 * {@link JobStatusWriter} writes them: only these, so the write never undoes a worker's.
 */
public record OperatorFields(
    JobPhase phase,
    Integer total,
    String startTime,
    String completionTime,
    Long observedGeneration,
    List<JobCondition> conditions) {

  /** Same as the Job's status says, comparing conditions without their timestamps. */
  public boolean sameAs(JobStatus status) {
    if (status == null) {
      return false;
    }
    return phase == status.getPhase()
        && Objects.equals(total, status.getTotal())
        && Objects.equals(startTime, status.getStartTime())
        && Objects.equals(completionTime, status.getCompletionTime())
        && Objects.equals(duration(), status.getDuration())
        && Objects.equals(observedGeneration, status.getObservedGeneration())
        && sameConditions(conditions, status.getConditions());
  }

  private static boolean sameConditions(List<JobCondition> a, List<JobCondition> b) {
    List<JobCondition> left = a == null ? List.of() : a;
    List<JobCondition> right = b == null ? List.of() : b;
    if (left.size() != right.size()) {
      return false;
    }
    for (int i = 0; i < left.size(); i++) {
      if (!left.get(i).sameAs(right.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * From start to completion as kubectl shows it; null until both are known. A CRD's printer column
   * cannot compute at read time, and a running Job's ticking duration would cost a status write a
   * second, so a running Job shows none.
   */
  public String duration() {
    if (startTime == null || completionTime == null) {
      return null;
    }
    return KubectlDuration.format(
        Duration.between(Instant.parse(startTime), Instant.parse(completionTime)));
  }

  /** The fields to write; a null one is left as it is. */
  Map<String, Object> asStatusPatch() {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    status.put("total", total);
    status.put("startTime", startTime);
    status.put("completionTime", completionTime);
    status.put("duration", duration());
    status.put("observedGeneration", observedGeneration);
    status.put("conditions", conditions);
    return status;
  }
}
