package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The exit codes a failure-policy rule matches: those listed ({@code In}) or all others. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.values.all(v, v >= 1 && v <= 255)",
    message = "onExitCodes.values must lie in 1..255",
    fieldPath = ".values")
@ValidationRule(
    value = "self.values.all(v, self.values.exists_one(w, w == v))",
    message = "onExitCodes.values must not repeat a value",
    fieldPath = ".values")
public class ExitCodes {
  public static final int MAX_VALUES = 255;

  /** How the listed values are used. */
  public enum Operator {
    In,
    NotIn
  }

  @Required
  @JsonPropertyDescription(
      "In: the rule matches the exit codes listed. NotIn: it matches every other exit code.")
  private Operator operator;

  @Required
  @Size(min = 1, max = MAX_VALUES)
  @JsonPropertyDescription("Exit codes, 1..255, each at most once.")
  private List<Integer> values;

  public ExitCodes() {}

  public ExitCodes(Operator operator, List<Integer> values) {
    this.operator = operator;
    this.values = values;
  }

  public Operator getOperator() {
    return operator;
  }

  public void setOperator(Operator operator) {
    this.operator = operator;
  }

  public List<Integer> getValues() {
    return values;
  }

  public void setValues(List<Integer> values) {
    this.values = values;
  }

  @JsonIgnore
  boolean matches(int exitCode) {
    boolean listed = values != null && values.contains(exitCode);
    return operator == Operator.NotIn ? !listed : listed;
  }
}
