package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * The observed state of a Job. Workers own the index sets and what derives from them; the operator
 * owns phase, conditions, total, times and observedGeneration (see docs/design.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class JobStatus {
  public static final int MAX_FAILURES = 20;

  @JsonPropertyDescription("Pending, Running, Succeeded, Failed or Suspended.")
  private JobPhase phase;

  @JsonPropertyDescription("Number of tasks.")
  private Integer total;

  @JsonPropertyDescription("Tasks that succeeded; each counts once.")
  private Integer succeeded;

  @JsonPropertyDescription("Tasks that failed; each counts once.")
  private Integer failed;

  @JsonPropertyDescription("\"<succeeded+failed>/<total>\".")
  private String progress;

  @JsonPropertyDescription("Indexes of the tasks that succeeded, as intervals: \"0-3,7,9-12\".")
  private String completedIndexes;

  @JsonPropertyDescription("Indexes of the tasks that failed, as intervals: \"0-3,7,9-12\".")
  private String failedIndexes;

  @JsonPropertyDescription("Recent failed tasks, newest last, at most 20.")
  private List<TaskFailure> failures;

  @JsonPropertyDescription("When the operator started the Job (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the Job finished (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription(
      "How long the Job ran, from startTime to completionTime, as kubectl writes durations"
          + " (\"45s\", \"3m12s\", \"2h5m\"); set when the Job finishes.")
  private String duration;

  @JsonPropertyDescription("The metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription("Complete, Failed and Suspended conditions.")
  private List<JobCondition> conditions;

  @JsonIgnore
  public IndexSet completed() {
    return IndexSet.parse(completedIndexes);
  }

  @JsonIgnore
  public IndexSet failedSet() {
    return IndexSet.parse(failedIndexes);
  }

  /** The condition of that type, or null. */
  @JsonIgnore
  public JobCondition condition(String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  @JsonIgnore
  public boolean isTrue(String conditionType) {
    JobCondition c = condition(conditionType);
    return c != null && "True".equals(c.getStatus());
  }

  /** Finished as the operator decided it: Complete or Failed is True. */
  @JsonIgnore
  public boolean isFinished() {
    return isTrue(JobCondition.COMPLETE) || isTrue(JobCondition.FAILED);
  }

  public JobPhase getPhase() {
    return phase;
  }

  public void setPhase(JobPhase phase) {
    this.phase = phase;
  }

  public Integer getTotal() {
    return total;
  }

  public void setTotal(Integer total) {
    this.total = total;
  }

  public Integer getSucceeded() {
    return succeeded;
  }

  public void setSucceeded(Integer succeeded) {
    this.succeeded = succeeded;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public String getCompletedIndexes() {
    return completedIndexes;
  }

  public void setCompletedIndexes(String completedIndexes) {
    this.completedIndexes = completedIndexes;
  }

  public String getFailedIndexes() {
    return failedIndexes;
  }

  public void setFailedIndexes(String failedIndexes) {
    this.failedIndexes = failedIndexes;
  }

  public List<TaskFailure> getFailures() {
    return failures;
  }

  public void setFailures(List<TaskFailure> failures) {
    this.failures = failures;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public String getDuration() {
    return duration;
  }

  public void setDuration(String duration) {
    this.duration = duration;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<JobCondition> getConditions() {
    return conditions;
  }

  public void setConditions(List<JobCondition> conditions) {
    this.conditions = conditions == null ? null : new ArrayList<>(conditions);
  }
}
