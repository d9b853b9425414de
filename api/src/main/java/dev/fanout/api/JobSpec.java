package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What a Job runs and the policy it runs under; see docs/api.md. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.handler != 'exec' || (has(self.command) && size(self.command) > 0)",
    message = "spec.command is required when spec.handler is exec",
    fieldPath = ".command",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "has(self.command) == has(oldSelf.command)"
            + " && (!has(self.command) || self.command == oldSelf.command)",
    message = "spec.command is immutable")
@ValidationRule(
    value =
        "has(self.parameters) == has(oldSelf.parameters)"
            + " && (!has(self.parameters) || self.parameters == oldSelf.parameters)",
    message = "spec.parameters is immutable")
@ValidationRule(
    value = "has(self.pool) == has(oldSelf.pool) && (!has(self.pool) || self.pool == oldSelf.pool)",
    message = "spec.pool is immutable")
@ValidationRule(
    value =
        "has(self.failurePolicy) == has(oldSelf.failurePolicy)"
            + " && (!has(self.failurePolicy) || self.failurePolicy == oldSelf.failurePolicy)",
    message = "spec.failurePolicy is immutable")
@ValidationRule(
    value =
        "has(self.tasksPerMessage) == has(oldSelf.tasksPerMessage)"
            + " && (!has(self.tasksPerMessage) || self.tasksPerMessage == oldSelf.tasksPerMessage)",
    message = "spec.tasksPerMessage is immutable")
public class JobSpec {
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** The schema's bounds, declared once: the CRD and the operator's own checks read these. */
  public static final int MAX_ATTEMPTS_LIMIT = 100;

  public static final int TASK_TIMEOUT_LIMIT_SECONDS = 43200;
  public static final int DEFAULT_TASK_TIMEOUT_SECONDS = 600;
  public static final String DEFAULT_POOL = "default";

  /** The most tasks one queue message carries. */
  public static final int TASKS_PER_MESSAGE_LIMIT = 100;

  /** Lowercase DNS-label-like; a pool's queue names are derived from it. */
  public static final String POOL_PATTERN = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$";

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(value = "self == oldSelf", message = "spec.handler is immutable")
  @JsonPropertyDescription(
      "Name of the task handler workers run for each task: noop, sleep, fail, exec, or one added"
          + " through the handler SPI. Immutable.")
  private String handler;

  @Required
  @ValidationRule(value = "self == oldSelf", message = "spec.tasks is immutable")
  @JsonPropertyDescription(
      "The tasks: exactly one of count (indexes 0..count-1) and items (one task per item)."
          + " Immutable.")
  private TaskSource tasks;

  @JsonPropertyDescription(
      "Parameters every task gets; a task's item overrides keys of the same name. Immutable.")
  private ObjectNode parameters;

  @JsonPropertyDescription(
      "argv for handler exec: the command each task runs as a child process. Immutable.")
  private List<String> command;

  @Min(1)
  @JsonPropertyDescription(
      "Most tasks of this Job queued or running at once; unset means unlimited.")
  private Integer parallelism;

  @Min(1)
  @Max(MAX_ATTEMPTS_LIMIT)
  @Default("3")
  @JsonPropertyDescription("Attempts per task before it counts as failed.")
  private Integer maxAttempts;

  @JsonPropertyDescription(
      "Delay before retry attempt n: min(maxSeconds, initialSeconds * factor^(n-1)).")
  private Backoff backoff;

  @Min(1)
  @Max(TASK_TIMEOUT_LIMIT_SECONDS)
  @Default("600")
  @JsonPropertyDescription(
      "A task still running after this many seconds is stopped and counts as a failed attempt.")
  private Integer taskTimeoutSeconds;

  @Min(0)
  @Default("0")
  @JsonPropertyDescription(
      "The Job fails once more tasks than this have failed; tasks not yet run are then not run.")
  private Integer maxFailedTasks;

  @Min(1)
  @JsonPropertyDescription("The Job fails with reason DeadlineExceeded after this many seconds.")
  private Long activeDeadlineSeconds;

  @Min(0)
  @JsonPropertyDescription(
      "The operator deletes the finished Job this many seconds after its completionTime.")
  private Integer ttlSecondsAfterFinished;

  @Default("false")
  @JsonPropertyDescription(
      "true: no new task starts and running tasks finish; false again resumes.")
  private Boolean suspend;

  @Default("default")
  @Pattern(POOL_PATTERN)
  @JsonPropertyDescription("Which worker pool (queue) runs the tasks. Immutable.")
  private String pool;

  @JsonPropertyDescription(
      "What a failed attempt of an exec task leads to, by its exit code; the first matching rule"
          + " decides, and with none matching the attempt counts. Immutable.")
  private FailurePolicy failurePolicy;

  @Min(1)
  @Max(TASKS_PER_MESSAGE_LIMIT)
  @JsonPropertyDescription(
      "How many tasks travel in one queue message; unset means automatic: short tasks are packed"
          + " together, long ones sent alone. Retries, counting and parallelism stay per task."
          + " Immutable.")
  private Integer tasksPerMessage;

  public String getHandler() {
    return handler;
  }

  public void setHandler(String handler) {
    this.handler = handler;
  }

  public TaskSource getTasks() {
    return tasks;
  }

  public void setTasks(TaskSource tasks) {
    this.tasks = tasks;
  }

  public ObjectNode getParameters() {
    return parameters;
  }

  public void setParameters(ObjectNode parameters) {
    this.parameters = parameters;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public Integer getParallelism() {
    return parallelism;
  }

  public void setParallelism(Integer parallelism) {
    this.parallelism = parallelism;
  }

  public Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public Backoff getBackoff() {
    return backoff;
  }

  public void setBackoff(Backoff backoff) {
    this.backoff = backoff;
  }

  public Integer getTaskTimeoutSeconds() {
    return taskTimeoutSeconds;
  }

  public void setTaskTimeoutSeconds(Integer taskTimeoutSeconds) {
    this.taskTimeoutSeconds = taskTimeoutSeconds;
  }

  public Integer getMaxFailedTasks() {
    return maxFailedTasks;
  }

  public void setMaxFailedTasks(Integer maxFailedTasks) {
    this.maxFailedTasks = maxFailedTasks;
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public FailurePolicy getFailurePolicy() {
    return failurePolicy;
  }

  public void setFailurePolicy(FailurePolicy failurePolicy) {
    this.failurePolicy = failurePolicy;
  }

  public Integer getTasksPerMessage() {
    return tasksPerMessage;
  }

  public void setTasksPerMessage(Integer tasksPerMessage) {
    this.tasksPerMessage = tasksPerMessage;
  }

  public String getPool() {
    return pool;
  }

  public void setPool(String pool) {
    this.pool = pool;
  }

  // The API server applies the CRD defaults; these apply them where no API server did (the
  // mock server in tests, objects built in code).

  @JsonIgnore
  public int effectiveMaxAttempts() {
    return maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
  }

  @JsonIgnore
  public int effectiveTaskTimeoutSeconds() {
    return taskTimeoutSeconds == null ? DEFAULT_TASK_TIMEOUT_SECONDS : taskTimeoutSeconds;
  }

  @JsonIgnore
  public int effectiveMaxFailedTasks() {
    return maxFailedTasks == null ? 0 : maxFailedTasks;
  }

  @JsonIgnore
  public boolean isSuspended() {
    return Boolean.TRUE.equals(suspend);
  }

  @JsonIgnore
  public String effectivePool() {
    return pool == null ? DEFAULT_POOL : pool;
  }

  @JsonIgnore
  public Backoff effectiveBackoff() {
    return backoff == null ? new Backoff() : backoff;
  }

  /** Number of tasks to run: the indexes given, else all of count or items; 0 when unset. */
  @JsonIgnore
  public int taskCount() {
    return taskIndexes().count();
  }

  /** Size of count or items (the numbering the indexes use), or 0 when neither is set. */
  @JsonIgnore
  public int sourceSize() {
    if (tasks == null) {
      return 0;
    }
    if (tasks.getCount() != null) {
      return tasks.getCount();
    }
    return tasks.getItems() == null ? 0 : tasks.getItems().size();
  }

  /**
   * The indexes this Job runs: {@code tasks.indexes} within the source, else all of it.
   *
   * @throws IllegalArgumentException when tasks.indexes is not in interval form
   */
  @JsonIgnore
  public IndexSet taskIndexes() {
    int size = sourceSize();
    IndexSet all = size == 0 ? IndexSet.EMPTY : IndexSet.range(0, size - 1);
    if (tasks == null || tasks.getIndexes() == null) {
      return all;
    }
    String text = tasks.getIndexes();
    ParsedIndexes last = parsedIndexes;
    if (last == null || !last.text().equals(text) || last.size() != size) {
      IndexSet given = IndexSet.parse(text);
      last = new ParsedIndexes(text, size, given.minus(given.minus(all)));
      parsedIndexes = last;
    }
    return last.set();
  }

  /** The last parse of tasks.indexes, kept: workers ask for each task they receive. */
  private record ParsedIndexes(String text, int size, IndexSet set) {}

  @JsonIgnore private transient volatile ParsedIndexes parsedIndexes;

  /**
   * The parameters task {@code index} runs with: {@code parameters}, and for a Job of items, its
   * item's keys over them; an empty object when there are none.
   */
  @JsonIgnore
  public ObjectNode taskParameters(int index) {
    List<ObjectNode> items = tasks == null ? null : tasks.getItems();
    if (items == null || index < 0 || index >= items.size()) {
      return parameters != null ? parameters : JsonNodeFactory.instance.objectNode();
    }
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    if (parameters != null) {
      merged.setAll(parameters);
    }
    if (items.get(index) != null) {
      merged.setAll(items.get(index));
    }
    return merged;
  }

  /** Whether the Job runs this index (it is within the source and the indexes given). */
  @JsonIgnore
  public boolean runsIndex(int index) {
    if (index < 0 || index >= sourceSize()) {
      return false;
    }
    return tasks.getIndexes() == null || taskIndexes().contains(index);
  }
}
