package dev.fanout.api;

import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Updates of the example Jobs as test cases: changes of immutable fields the CRD's CEL rules must
 * reject, and changes of mutable ones they must let through. One list, shared by the stand-in
 * admission here and the tests on a real API server (kube-tests, through this module's test-jar).
 */
public final class SpecChanges {
  private SpecChanges() {}

  /** For the one case that changes the handler: a scalar, whose new value the error shows. */
  public static final AdmissionError HANDLER = immutable("spec.handler", "\"noop\": ", "handler");

  public static final AdmissionError TASKS = immutable("spec.tasks", "", "tasks");
  public static final AdmissionError POOL = immutable("spec", "", "pool");
  public static final AdmissionError COMMAND = immutable("spec", "", "command");
  public static final AdmissionError PARAMETERS = immutable("spec", "", "parameters");
  public static final AdmissionError FAILURE_POLICY = immutable("spec", "", "failurePolicy");

  /**
   * Changes of an immutable field: a name, the example it starts from, the change (applied to the
   * old and the new spec), and the one error the API server gives.
   */
  public static Stream<Arguments> immutable() {
    return Stream.of(
        rejected(
            "handler sleep -> noop", "items.yaml", HANDLER, (o, n) -> n.put("handler", "noop")),
        rejected("tasks.count 10 -> 11", "hello.yaml", TASKS, (o, n) -> tasks(n).put("count", 11)),
        rejected(
            "tasks.count replaced by items",
            "hello.yaml",
            TASKS,
            (o, n) -> n.putObject("tasks").putArray("items").addObject().put("ms", 1)),
        rejected(
            "an item's value changed", "items.yaml", TASKS, (o, n) -> item(n, 0).put("ms", 11)),
        rejected("an item added", "items.yaml", TASKS, (o, n) -> items(n).addObject().put("ms", 1)),
        rejected("an item removed", "items.yaml", TASKS, (o, n) -> items(n).remove(4)),
        rejected(
            "an item's list changed",
            "items.yaml",
            TASKS,
            (o, n) -> item(n, 4).withArray("tags").add("z")),
        rejected("pool default -> gpu", "hello.yaml", POOL, (o, n) -> n.put("pool", "gpu")),
        rejected(
            "pool gpu removed (defaults to default)",
            "hello.yaml",
            POOL,
            (o, n) -> o.put("pool", "gpu")),
        rejected(
            "command changed",
            "exec.yaml",
            COMMAND,
            (o, n) -> n.withArray("command").set(2, "true")),
        rejected(
            "command added", "hello.yaml", COMMAND, (o, n) -> n.putArray("command").add("true")),
        rejected(
            "command removed", "hello.yaml", COMMAND, (o, n) -> o.putArray("command").add("true")),
        rejected(
            "parameters value changed",
            "sleep-1000.yaml",
            PARAMETERS,
            (o, n) -> parameters(n).put("ms", 60)),
        rejected(
            "parameters nested value changed",
            "fails.yaml",
            PARAMETERS,
            (o, n) -> parameters(n).withArray("failIndexes").set(1, 8)),
        rejected(
            "parameters key added",
            "sleep-1000.yaml",
            PARAMETERS,
            (o, n) -> parameters(n).put("x", 1)),
        rejected(
            "parameters added", "hello.yaml", PARAMETERS, (o, n) -> parameters(n).put("ms", 1)),
        rejected(
            "parameters removed", "sleep-1000.yaml", PARAMETERS, (o, n) -> n.remove("parameters")),
        rejected(
            "tasks.indexes added", "hello.yaml", TASKS, (o, n) -> tasks(n).put("indexes", "1-3")),
        rejected(
            "failurePolicy action changed",
            "failure-policy.yaml",
            FAILURE_POLICY,
            (o, n) ->
                ((ObjectNode) n.withArray("/failurePolicy/rules").get(0)).put("action", "Count")),
        rejected(
            "failurePolicy added",
            "exec.yaml",
            FAILURE_POLICY,
            (o, n) ->
                n.putObject("failurePolicy")
                    .putArray("rules")
                    .addObject()
                    .put("action", "Ignore")
                    .putObject("onExitCodes")
                    .put("operator", "In")
                    .putArray("values")
                    .add(143)),
        rejected(
            "failurePolicy removed",
            "failure-policy.yaml",
            FAILURE_POLICY,
            (o, n) -> n.remove("failurePolicy")));
  }

  /** Changes of mutable fields only: a name, the example, the change; all accepted. */
  public static Stream<Arguments> mutable() {
    return Stream.of(
        accepted("suspend set", "hello.yaml", (o, n) -> n.put("suspend", true)),
        accepted("suspend cleared", "sleep-1000.yaml", (o, n) -> o.put("suspend", true)),
        accepted("parallelism 100 -> 10", "sleep-1000.yaml", (o, n) -> n.put("parallelism", 10)),
        accepted("parallelism removed", "sleep-1000.yaml", (o, n) -> n.remove("parallelism")),
        accepted(
            "suspend and parallelism together",
            "items.yaml",
            (o, n) -> n.put("suspend", true).put("parallelism", 1)),
        accepted(
            "failure policy and deadlines changed",
            "fails.yaml",
            (o, n) ->
                n.put("maxAttempts", 5)
                    .put("maxFailedTasks", 3)
                    .put("taskTimeoutSeconds", 60)
                    .put("activeDeadlineSeconds", 3600)
                    .put("ttlSecondsAfterFinished", 0)
                    .putObject("backoff")
                    .put("factor", 3)),
        accepted("pool: default written out", "hello.yaml", (o, n) -> n.put("pool", "default")),
        accepted(
            "parameters: same keys in another order",
            "items.yaml",
            (o, n) -> n.set("parameters", n.objectNode().put("greeting", "hello").put("ms", 100))));
  }

  private static Arguments accepted(
      String name, String base, BiConsumer<ObjectNode, ObjectNode> change) {
    return arguments(named(name, change), base);
  }

  private static Arguments rejected(
      String name, String base, AdmissionError error, BiConsumer<ObjectNode, ObjectNode> change) {
    return arguments(named(name, change), base, error);
  }

  private static AdmissionError immutable(String field, String shownValue, String name) {
    return new AdmissionError(
        field, "Invalid value: " + shownValue + "spec." + name + " is immutable");
  }

  private static ObjectNode tasks(ObjectNode spec) {
    return (ObjectNode) spec.get("tasks");
  }

  private static ArrayNode items(ObjectNode spec) {
    return tasks(spec).withArray("items");
  }

  private static ObjectNode item(ObjectNode spec, int index) {
    return (ObjectNode) items(spec).get(index);
  }

  private static ObjectNode parameters(ObjectNode spec) {
    return spec.withObject("parameters");
  }
}
