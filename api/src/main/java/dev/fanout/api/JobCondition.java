package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A Kubernetes-style condition of a Job: Complete, Failed or Suspended. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class JobCondition {
  public static final String COMPLETE = "Complete";
  public static final String FAILED = "Failed";
  public static final String SUSPENDED = "Suspended";

  @Required
  @JsonPropertyDescription("Complete, Failed or Suspended.")
  private String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("A CamelCase reason, e.g. MaxFailedTasksExceeded.")
  private String reason;

  @JsonPropertyDescription("A human-readable explanation.")
  private String message;

  @JsonPropertyDescription("When status or reason last changed (RFC 3339).")
  private String lastTransitionTime;

  public JobCondition() {}

  public JobCondition(String type, String status, String reason, String message) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
  }

  /** Same type, status, reason and message; the timestamp is not compared. */
  @JsonIgnore
  public boolean sameAs(JobCondition other) {
    return other != null
        && Objects.equals(type, other.type)
        && Objects.equals(status, other.status)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message);
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobCondition c
        && sameAs(c)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, reason, message, lastTransitionTime);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + ": " + message + ")";
  }
}
