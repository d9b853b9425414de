package dev.fanout.api;

import static dev.fanout.api.ExampleManifests.EXPECT_FIELD;
import static dev.fanout.api.ExampleManifests.REJECTED_BY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Admission by the committed CRD: examples/ pass, examples/invalid/ fail, immutable fields hold.
 */
class CrdAdmissionTest {
  private static CrdAdmission admission;

  @BeforeAll
  static void loadCrd() throws IOException {
    admission = CrdAdmission.forCommittedCrd();
  }

  static Stream<Named<Path>> examples() {
    return ExampleManifests.valid();
  }

  static Stream<Named<Path>> rejectedBySchema() {
    return ExampleManifests.rejectedBySchema();
  }

  static Stream<Named<Path>> rejectedByOperator() {
    return ExampleManifests.rejectedByOperator();
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("examples")
  void exampleIsAccepted(Path file) throws IOException {
    assertThat(admission.create(CrdAdmission.readYaml(file))).isEmpty();
  }

  @ParameterizedTest(name = "{0}, updated to itself, is accepted")
  @MethodSource("examples")
  void exampleUpdatedToItselfIsAccepted(Path file) throws IOException {
    JsonNode manifest = CrdAdmission.readYaml(file);
    assertThat(admission.update(manifest, manifest.deepCopy())).isEmpty();
  }

  @ParameterizedTest(name = "{0} is rejected")
  @MethodSource("rejectedBySchema")
  void invalidManifestIsRejectedNamingTheField(Path file) throws IOException {
    JsonNode manifest = CrdAdmission.readYaml(file);
    String field = annotation(manifest, EXPECT_FIELD);
    List<AdmissionError> errors = admission.create(manifest);
    assertThat(errors).as("errors of %s", file.getFileName()).isNotEmpty();
    assertThat(errors)
        .as("errors of %s name %s", file.getFileName(), field)
        .anySatisfy(
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.toString()).startsWith(field + ": ");
            });
  }

  @ParameterizedTest(name = "{0} passes the schema: the operator must reject it")
  @MethodSource("rejectedByOperator")
  void operatorOnlyCaseIsAcceptedByTheSchema(Path file) throws IOException {
    assertThat(admission.create(CrdAdmission.readYaml(file))).isEmpty();
  }

  @Test
  void everyInvalidManifestSaysWhichFieldAndWhoRejectsIt() {
    List<Path> files = ExampleManifests.invalid().map(Named::getPayload).toList();
    assertThat(files).hasSizeGreaterThanOrEqualTo(17);
    for (Path file : files) {
      JsonNode manifest = read(file);
      assertThat(annotation(manifest, EXPECT_FIELD)).as("%s: %s", file, EXPECT_FIELD).isNotBlank();
      assertThat(annotation(manifest, REJECTED_BY))
          .as("%s: %s", file, REJECTED_BY)
          .isIn("schema", "operator");
      assertThat(manifest.path("metadata").path("name").asText())
          .as("%s: metadata.name is the file's name", file)
          .isEqualTo(file.getFileName().toString().replace(".yaml", ""));
    }
  }

  static final AdmissionError HANDLER = immutable("spec.handler", "string", "handler");
  static final AdmissionError TASKS = immutable("spec.tasks", "object", "tasks");
  static final AdmissionError POOL = immutable("spec", "object", "pool");
  static final AdmissionError COMMAND = immutable("spec", "object", "command");
  static final AdmissionError PARAMETERS = immutable("spec", "object", "parameters");

  static Stream<Arguments> immutableChanges() {
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
            "parameters removed", "sleep-1000.yaml", PARAMETERS, (o, n) -> n.remove("parameters")));
  }

  @ParameterizedTest(name = "{0}: rejected")
  @MethodSource("immutableChanges")
  void changingAnImmutableFieldIsRejected(
      BiConsumer<ObjectNode, ObjectNode> change, String base, AdmissionError error) {
    JsonNode old = read(examplesDir().resolve(base));
    JsonNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    assertThat(admission.create(old)).as("the old object is valid").isEmpty();
    assertThat(admission.create(updated)).as("the new object is valid on its own").isEmpty();
    assertThat(admission.update(old, updated)).containsExactly(error);
  }

  static Stream<Arguments> mutableChanges() {
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

  @ParameterizedTest(name = "{0}: accepted")
  @MethodSource("mutableChanges")
  void changingOnlyMutableFieldsIsAccepted(BiConsumer<ObjectNode, ObjectNode> change, String base) {
    JsonNode old = read(examplesDir().resolve(base));
    JsonNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    assertThat(admission.update(old, updated)).isEmpty();
  }

  private static Arguments accepted(
      String name, String base, BiConsumer<ObjectNode, ObjectNode> change) {
    return arguments(named(name, change), base);
  }

  private static Arguments rejected(
      String name, String base, AdmissionError error, BiConsumer<ObjectNode, ObjectNode> change) {
    return arguments(named(name, change), base, error);
  }

  private static AdmissionError immutable(String field, String schemaType, String name) {
    return new AdmissionError(
        field, "Invalid value: \"" + schemaType + "\": spec." + name + " is immutable");
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

  private static Path examplesDir() {
    return ExampleManifests.examplesDir();
  }

  private static JsonNode read(Path file) {
    return ExampleManifests.read(file);
  }

  private static String annotation(JsonNode manifest, String name) {
    return ExampleManifests.annotation(manifest, name);
  }
}
