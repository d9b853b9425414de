package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One rule of {@code spec.failurePolicy}: an action for the attempts whose exit code matches. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailurePolicyRule {

  /** What a matching failed attempt leads to. */
  public enum Action {
    /** The Job fails at once, with reason {@code FailurePolicy}. */
    FailJob,
    /** The task fails now; no further attempt. */
    FailIndex,
    /** The attempt is not counted and the task is tried again. */
    Ignore,
    /** An ordinary failed attempt. */
    Count
  }

  @Required
  @JsonPropertyDescription(
      "FailJob: the Job fails at once (reason FailurePolicy). FailIndex: the task fails now, no"
          + " further attempt. Ignore: the attempt is not counted and the task is tried again."
          + " Count: an ordinary failed attempt.")
  private Action action;

  @Required
  @JsonPropertyDescription("Which exit codes of an exec task's command the rule matches.")
  private ExitCodes onExitCodes;

  public FailurePolicyRule() {}

  public FailurePolicyRule(Action action, ExitCodes onExitCodes) {
    this.action = action;
    this.onExitCodes = onExitCodes;
  }

  public Action getAction() {
    return action;
  }

  public void setAction(Action action) {
    this.action = action;
  }

  public ExitCodes getOnExitCodes() {
    return onExitCodes;
  }

  public void setOnExitCodes(ExitCodes onExitCodes) {
    this.onExitCodes = onExitCodes;
  }

  /** Whether a failed attempt with this exit code (null: none, e.g. a timeout) matches. */
  @JsonIgnore
  public boolean matches(Integer exitCode) {
    return exitCode != null && onExitCodes != null && onExitCodes.matches(exitCode);
  }
}
