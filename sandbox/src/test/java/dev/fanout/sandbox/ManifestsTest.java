package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestsTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "apiVersion: batch/v1\\nkind: Job\\nmetadata: {name: a}\\nspec: {}"
            + "|is a batch/v1 Job, not a fanout.dev/v1alpha1 Job",
        "apiVersion: fanout.dev/v1\\nkind: Job\\nmetadata: {name: a}\\nspec: {}"
            + "|is a fanout.dev/v1 Job, not a fanout.dev/v1alpha1 Job",
        "apiVersion: v1\\nkind: ConfigMap|is a v1 ConfigMap, not a fanout.dev/v1alpha1 Job",
        "name: a|has no apiVersion and kind, not a fanout.dev/v1alpha1 Job",
        "- a\\n- b|not a Kubernetes object (a YAML mapping with apiVersion and kind)",
        "apiVersion: fanout.dev/v1alpha1\\nkind: Job\\nspec: {handler: noop}"
            + "|metadata.name is missing",
        "apiVersion: fanout.dev/v1alpha1\\nkind: Job\\nmetadata: {name: a}|spec is missing"
      })
  void saysWhatIsWrongWithADocument(String yaml, String problem) throws Exception {
    assertThat(Manifests.problem(YAML.readTree(yaml.replace("\\n", "\n")))).isEqualTo(problem);
  }

  @Test
  void readsEveryJobOfAFolderAndItsNamespaceAndPool(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("b.yaml"),
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata: {name: b, namespace: team}
        spec: {handler: noop, tasks: {count: 2}, pool: gpu}
        ---
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata: {name: c}
        spec: {handler: noop, tasks: {count: 1}}
        """);
    Files.writeString(
        dir.resolve("a.yml"),
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata: {name: a}
        spec: {handler: sleep, tasks: {items: [{ms: 1}]}}
        """);
    Files.writeString(dir.resolve("notes.txt"), "not a manifest");

    List<Manifests.Manifest> read = Manifests.read(List.of(dir));

    assertThat(read)
        .extracting(m -> m.namespace() + "/" + m.job().getMetadata().getName() + "@" + m.pool())
        .containsExactly("default/a@default", "team/b@gpu", "default/c@default");
  }

  @Test
  void listsEveryBadFileAtOnce(@TempDir Path dir) throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.yaml"), "a: [\n");
    Path wrongType =
        Files.writeString(
            dir.resolve("wrong.yaml"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata: {name: w}
            spec: {handler: noop, tasks: {count: many}}
            """);
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "# nothing\n");

    assertThatThrownBy(
            () -> Manifests.read(List.of(broken, wrongType, empty, dir.resolve("missing.yaml"))))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("broken.yaml: not valid YAML (line ")
        .hasMessageContaining("wrong.yaml: does not fit the Job schema: ")
        .hasMessageContaining("empty.yaml: holds no Kubernetes object")
        .hasMessageContaining("missing.yaml: no such file or folder");
  }
}
