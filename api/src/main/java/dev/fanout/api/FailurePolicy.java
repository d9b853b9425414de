package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * What a failed attempt leads to, decided by the first rule that matches it; with no rule matching,
 * the attempt counts toward {@code maxAttempts}. The names and meanings are those of a Kubernetes
 * Job's {@code podFailurePolicy}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailurePolicy {
  public static final int MAX_RULES = 20;

  @Required
  @Size(min = 1, max = MAX_RULES)
  @JsonPropertyDescription(
      "Rules, in order: the first whose onExitCodes matches a failed attempt's exit code decides.")
  private List<FailurePolicyRule> rules;

  public FailurePolicy() {}

  public FailurePolicy(List<FailurePolicyRule> rules) {
    this.rules = rules;
  }

  public List<FailurePolicyRule> getRules() {
    return rules;
  }

  public void setRules(List<FailurePolicyRule> rules) {
    this.rules = rules;
  }
}
