package dev.fanout.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.AdmissionError;
import dev.fanout.api.CrdAdmission;
import dev.fanout.api.ExampleManifests;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRD on a real API server: it installs and serves, kubectl explains its fields,
 * every example is accepted, and the invalid examples and the changes of immutable fields are
 * judged as the stand-in admission of the api module's tests judges them (the same lists of cases,
 * from its test-jar).
 */
class CrdIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String NS = "crd-test";
  private static final AtomicInteger changes = new AtomicInteger();
  private static Cli.Result applied;
  private static CrdAdmission standIn;

  @BeforeAll
  static void installCrd() throws IOException {
    applied = kube.installCrd();
    kube.createNamespace(NS);
    standIn = CrdAdmission.forCommittedCrd();
  }

  @Test
  void kubectlApplyInstallsTheCrdAndItIsEstablished() {
    assertThat(applied.out())
        .contains("customresourcedefinition.apiextensions.k8s.io/jobs.fanout.dev created");
    assertThat(
            kube.kubectl()
                .run(
                    "get",
                    "crd",
                    "jobs.fanout.dev",
                    "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Established\")].status}")
                .outOrFail())
        .isEqualTo("True");
    String resources =
        kube.kubectl().run("api-resources", "--api-group=fanout.dev", "-o", "wide").outOrFail();
    assertThat(resources.lines().skip(1).findFirst().orElseThrow().split("\\s+"))
        .as(resources)
        .startsWith("jobs", "fjob", "fanout.dev/v1alpha1", "true", "Job");
    assertThat(resources).contains("fanout");
  }

  @Test
  void kubectlExplainPrintsTheFieldDocsOfTheCrd() throws IOException {
    JsonNode tasks =
        CrdAdmission.readYaml(ControlPlane.repositoryRoot().resolve("crds/jobs.fanout.dev-v1.yml"))
            .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/tasks");
    List<String> docs =
        List.of(
            tasks.path("description").asText(),
            tasks.at("/properties/count/description").asText(),
            tasks.at("/properties/items/description").asText());
    assertThat(docs).allMatch(d -> !d.isBlank());

    // Right after the CRD is established, discovery may not list it yet for a moment.
    Cli.Result explain =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> kube.kubectl().run("explain", "fjob.spec.tasks"), Cli.Result::ok);
    String out = oneLine(explain.out());
    assertThat(out).contains("KIND: Job").contains("FIELD: tasks <Object>");
    for (String doc : docs) {
      assertThat(out).contains(oneLine(doc));
    }
    assertThat(out).contains("count <integer>").contains("items <[]Object>");
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("dev.fanout.api.ExampleManifests#valid")
  void everyExampleIsAccepted(Path file) {
    String name = ExampleManifests.read(file).path("metadata").path("name").asText();
    Cli.Result created = kube.kubectl().run("create", "-n", NS, "-f", relative(file));
    assertThat(created.outOrFail()).contains("job.fanout.dev/" + name + " created");
  }

  @ParameterizedTest(name = "{0} is rejected by the API server, naming the field")
  @MethodSource("dev.fanout.api.ExampleManifests#rejectedBySchema")
  void invalidExampleIsRejectedAsTheStandInAdmissionSays(Path file) {
    JsonNode manifest = ExampleManifests.read(file);
    String name = manifest.path("metadata").path("name").asText();
    String field = ExampleManifests.expectedField(manifest);

    Cli.Result created = kube.kubectl().run("create", "-n", NS, "-f", relative(file));
    assertThat(created.exitCode()).as(created.toString()).isNotZero();
    assertThat(created.err())
        .contains("The Job \"" + name + "\" is invalid")
        .contains(field + ": ");
    assertThat(kube.kubectl().run("get", "fjob", name, "-n", NS).err()).contains("NotFound");

    Set<String> serverFields = fieldsTheServerNames(manifest);
    Set<String> standInFields = new TreeSet<>();
    standIn.create(manifest).stream().map(AdmissionError::field).forEach(standInFields::add);
    assertThat(serverFields).contains(field).isEqualTo(standInFields);
  }

  @ParameterizedTest(name = "{0} passes the API server (the operator must reject it)")
  @MethodSource("dev.fanout.api.ExampleManifests#rejectedByOperator")
  void operatorOnlyCaseIsAcceptedByTheApiServer(Path file) {
    assertThat(standIn.create(ExampleManifests.read(file))).isEmpty();
    kube.kubectl().run("create", "-n", NS, "-f", relative(file)).outOrFail();
  }

  @ParameterizedTest(name = "{0}: rejected by the API server as the stand-in says")
  @MethodSource("dev.fanout.api.SpecChanges#immutable")
  void changingAnImmutableFieldIsRejected(
      BiConsumer<ObjectNode, ObjectNode> change, String base, AdmissionError error) {
    String name = "change-" + changes.incrementAndGet();
    ObjectNode old = example(base, name);
    ObjectNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    kube.kubectl().run(List.of("create", "-n", NS, "-f", "-"), old.toString()).outOrFail();

    Cli.Result replaced =
        kube.kubectl().run(List.of("replace", "-n", NS, "-f", "-"), updated.toString());
    assertThat(replaced.exitCode()).as(replaced.toString()).isNotZero();
    assertThat(replaced.err().strip()).isEqualTo("The Job \"" + name + "\" is invalid: " + error);
  }

  @ParameterizedTest(name = "{0}: accepted by the API server")
  @MethodSource("dev.fanout.api.SpecChanges#mutable")
  void changingOnlyMutableFieldsIsAccepted(BiConsumer<ObjectNode, ObjectNode> change, String base) {
    String name = "change-" + changes.incrementAndGet();
    ObjectNode old = example(base, name);
    ObjectNode updated = old.deepCopy();
    change.accept((ObjectNode) old.get("spec"), (ObjectNode) updated.get("spec"));
    kube.kubectl().run(List.of("create", "-n", NS, "-f", "-"), old.toString()).outOrFail();
    assertThat(
            kube.kubectl()
                .run(List.of("replace", "-n", NS, "-f", "-"), updated.toString())
                .outOrFail())
        .contains("job.fanout.dev/" + name + " replaced");
  }

  /** An example manifest under another name. */
  private static ObjectNode example(String file, String name) {
    ObjectNode manifest =
        (ObjectNode) ExampleManifests.read(ExampleManifests.examplesDir().resolve(file));
    ((ObjectNode) manifest.get("metadata")).put("name", name);
    return manifest;
  }

  /** The fields of the causes in the API server's 422 answer ("" for the one without a field). */
  private static Set<String> fieldsTheServerNames(JsonNode manifest) {
    GenericKubernetesResource resource =
        Serialization.unmarshal(manifest.toString(), GenericKubernetesResource.class);
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () -> kube.client().resource(resource).inNamespace(NS).create());
    assertThat(e).as("the API server refuses it").isNotNull();
    assertThat(e.getCode()).isEqualTo(422);
    Set<String> fields = new TreeSet<>();
    for (StatusCause cause : e.getStatus().getDetails().getCauses()) {
      String f = cause.getField();
      fields.add(f == null || f.equals("<nil>") ? "" : f);
    }
    return fields;
  }

  private static String relative(Path file) {
    return ControlPlane.repositoryRoot().relativize(file).toString();
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").strip();
  }
}
