package dev.fanout.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import dev.fanout.api.ExitCodes;
import dev.fanout.api.FailurePolicy;
import dev.fanout.api.FailurePolicyRule;
import dev.fanout.api.IndexSet;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.Messages;
import dev.fanout.operator.queue.QueueAdmin;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a spec beyond what the CRD schema catches, and everything the schema catches too (an API
 * server without the schema, like the test mock, lets anything through). Each problem names its
 * field.
 */
public final class SpecValidator {
  private static final Pattern POOL = Pattern.compile(JobSpec.POOL_PATTERN);

  /** A task message's own fields besides the parameters and the command: uid, names, policy. */
  static final int MESSAGE_OVERHEAD_BYTES = 2_048;

  private SpecValidator() {}

  /** The problems, empty when the spec is valid. */
  public static List<String> validate(JobSpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return List.of("spec is required");
    }
    if (spec.getHandler() == null || spec.getHandler().isBlank()) {
      problems.add("spec.handler is required");
    }
    tasks(spec.getTasks(), problems);
    failurePolicy(spec.getFailurePolicy(), problems);
    if (spec.getParameters() != null && !spec.getParameters().isObject()) {
      problems.add("spec.parameters must be an object");
    }
    if ("exec".equals(spec.getHandler())
        && (spec.getCommand() == null || spec.getCommand().isEmpty())) {
      problems.add("spec.command is required when spec.handler is exec");
    }
    atLeast(problems, "spec.parallelism", spec.getParallelism(), 1);
    range(problems, "spec.maxAttempts", spec.getMaxAttempts(), 1, JobSpec.MAX_ATTEMPTS_LIMIT);
    range(
        problems,
        "spec.taskTimeoutSeconds",
        spec.getTaskTimeoutSeconds(),
        1,
        JobSpec.TASK_TIMEOUT_LIMIT_SECONDS);
    atLeast(problems, "spec.maxFailedTasks", spec.getMaxFailedTasks(), 0);
    if (spec.getActiveDeadlineSeconds() != null && spec.getActiveDeadlineSeconds() < 1) {
      problems.add(
          "spec.activeDeadlineSeconds must be at least 1, was " + spec.getActiveDeadlineSeconds());
    }
    atLeast(problems, "spec.ttlSecondsAfterFinished", spec.getTtlSecondsAfterFinished(), 0);
    if (spec.getPool() != null && !POOL.matcher(spec.getPool()).matches()) {
      problems.add(
          "spec.pool must be lowercase letters, digits and '-' (at most 40), was \""
              + spec.getPool()
              + "\"");
    }
    if (problems.isEmpty()) {
      messageSize(spec, problems);
    }
    Backoff backoff = spec.getBackoff();
    if (backoff != null) {
      range(
          problems,
          "spec.backoff.initialSeconds",
          backoff.getInitialSeconds(),
          0,
          Backoff.LIMIT_SECONDS);
      range(problems, "spec.backoff.maxSeconds", backoff.getMaxSeconds(), 0, Backoff.LIMIT_SECONDS);
      if (backoff.getFactor() != null
          && (backoff.getFactor() < 1 || backoff.getFactor() > Backoff.FACTOR_LIMIT)) {
        problems.add(
            "spec.backoff.factor must be between 1 and "
                + Backoff.FACTOR_LIMIT
                + ", was "
                + backoff.getFactor());
      }
    }
    return problems;
  }

  /** spec.tasks.indexes, when given: interval form, each index among the {@code size} tasks. */
  private static void indexes(String indexes, int size, List<String> problems) {
    if (indexes == null) {
      return;
    }
    if (indexes.length() > TaskSource.INDEXES_MAX_LENGTH) {
      problems.add(
          "spec.tasks.indexes is "
              + indexes.length()
              + " characters long; at most "
              + TaskSource.INDEXES_MAX_LENGTH
              + " allowed");
      return;
    }
    IndexSet given;
    try {
      given = IndexSet.parse(indexes);
    } catch (IllegalArgumentException e) {
      problems.add("spec.tasks.indexes: " + e.getMessage());
      return;
    }
    if (given.isEmpty()) {
      problems.add("spec.tasks.indexes must name at least one index");
      return;
    }
    List<int[]> runs = given.intervals();
    int last = runs.get(runs.size() - 1)[1];
    if (last >= size) {
      problems.add(
          "spec.tasks.indexes must lie within the tasks (0-" + (size - 1) + "), has " + last);
    }
  }

  /** spec.failurePolicy, as the CRD's schema has it. */
  private static void failurePolicy(FailurePolicy policy, List<String> problems) {
    if (policy == null) {
      return;
    }
    List<FailurePolicyRule> rules = policy.getRules();
    if (rules == null || rules.isEmpty() || rules.size() > FailurePolicy.MAX_RULES) {
      problems.add(
          "spec.failurePolicy.rules must hold 1 to "
              + FailurePolicy.MAX_RULES
              + " rules, has "
              + (rules == null ? 0 : rules.size()));
      return;
    }
    for (int i = 0; i < rules.size(); i++) {
      String at = "spec.failurePolicy.rules[" + i + "]";
      FailurePolicyRule rule = rules.get(i);
      if (rule == null || rule.getAction() == null) {
        problems.add(at + ".action is required (FailJob, FailIndex, Ignore or Count)");
        continue;
      }
      ExitCodes codes = rule.getOnExitCodes();
      if (codes == null || codes.getOperator() == null) {
        problems.add(at + ".onExitCodes.operator is required (In or NotIn)");
        continue;
      }
      List<Integer> values = codes.getValues();
      if (values == null || values.isEmpty() || values.size() > ExitCodes.MAX_VALUES) {
        problems.add(at + ".onExitCodes.values must hold 1 to " + ExitCodes.MAX_VALUES + " codes");
        continue;
      }
      for (Integer v : values) {
        if (v == null || v < 1 || v > 255) {
          problems.add(at + ".onExitCodes.values must lie in 1..255, has " + v);
          break;
        }
      }
      if (new java.util.HashSet<>(values).size() != values.size()) {
        problems.add(at + ".onExitCodes.values must not repeat a value");
      }
    }
  }

  private static void tasks(TaskSource tasks, List<String> problems) {
    if (tasks == null) {
      problems.add("spec.tasks is required");
      return;
    }
    if ((tasks.getCount() == null) == (tasks.getItems() == null)) {
      problems.add("exactly one of spec.tasks.count and spec.tasks.items must be set");
      return;
    }
    if (tasks.getCount() != null) {
      range(problems, "spec.tasks.count", tasks.getCount(), 1, TaskSource.MAX_COUNT);
      indexes(tasks.getIndexes(), tasks.getCount(), problems);
      return;
    }
    List<ObjectNode> items = tasks.getItems();
    indexes(tasks.getIndexes(), items.size(), problems);
    if (items.isEmpty() || items.size() > TaskSource.MAX_ITEMS) {
      problems.add(
          "spec.tasks.items must hold 1 to "
              + TaskSource.MAX_ITEMS
              + " items, has "
              + items.size());
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (item == null || !item.isObject()) {
        problems.add("spec.tasks.items[" + i + "] must be an object");
        continue;
      }
      int bytes = bytes(item);
      if (bytes > TaskSource.MAX_ITEM_BYTES) {
        problems.add(
            "spec.tasks.items["
                + i
                + "] is "
                + bytes
                + " bytes as JSON; at most "
                + TaskSource.MAX_ITEM_BYTES
                + " allowed");
      }
    }
  }

  /**
   * A task travels as one queue message holding the Job's parameters (merged with its item) and
   * command: one larger than the queue takes could never be sent, and the Job would wait for ever.
   */
  private static void messageSize(JobSpec spec, List<String> problems) {
    int parameters = spec.getParameters() == null ? 0 : bytes(spec.getParameters());
    int command = spec.getCommand() == null ? 0 : bytes(spec.getCommand());
    int item = 0;
    if (spec.getTasks().getItems() != null) {
      for (ObjectNode each : spec.getTasks().getItems()) {
        item = Math.max(item, bytes(each));
      }
    }
    int message = parameters + command + item + MESSAGE_OVERHEAD_BYTES;
    if (message > QueueAdmin.MAX_MESSAGE_BYTES) {
      String field = parameters >= command ? "spec.parameters" : "spec.command";
      problems.add(
          field
              + " is too large: "
              + Math.max(parameters, command)
              + " bytes as JSON make a task message of about "
              + message
              + " bytes, and the queue takes at most "
              + QueueAdmin.MAX_MESSAGE_BYTES);
    }
  }

  private static int bytes(Object value) {
    return Messages.encode(value).getBytes(StandardCharsets.UTF_8).length;
  }

  private static void range(List<String> problems, String field, Integer value, int min, int max) {
    if (value != null && (value < min || value > max)) {
      problems.add(field + " must be between " + min + " and " + max + ", was " + value);
    }
  }

  private static void atLeast(List<String> problems, String field, Integer value, int min) {
    if (value != null && value < min) {
      problems.add(field + " must be at least " + min + ", was " + value);
    }
  }
}
