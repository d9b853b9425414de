package dev.fanout.api;

import static dev.fanout.api.ExampleManifests.EXPECT_FIELD;
import static dev.fanout.api.ExampleManifests.REJECTED_BY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

  @ParameterizedTest(name = "{0}: rejected")
  @MethodSource("dev.fanout.api.SpecChanges#immutable")
  void changingAnImmutableFieldIsRejected(
      BiConsumer<ObjectNode, ObjectNode> change, String base, AdmissionError error) {
    JsonNode old = read(examplesDir().resolve(base));
    JsonNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    assertThat(admission.create(old)).as("the old object is valid").isEmpty();
    assertThat(admission.create(updated)).as("the new object is valid on its own").isEmpty();
    assertThat(admission.update(old, updated)).containsExactly(error);
  }

  @ParameterizedTest(name = "{0}: accepted")
  @MethodSource("dev.fanout.api.SpecChanges#mutable")
  void changingOnlyMutableFieldsIsAccepted(BiConsumer<ObjectNode, ObjectNode> change, String base) {
    JsonNode old = read(examplesDir().resolve(base));
    JsonNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    assertThat(admission.update(old, updated)).isEmpty();
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
