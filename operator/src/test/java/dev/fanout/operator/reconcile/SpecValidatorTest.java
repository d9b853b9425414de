package dev.fanout.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator's own validation over the same manifests the CRD admission test uses: every example
 * passes, every invalid manifest is rejected naming the field the API server names.
 */
class SpecValidatorTest {
  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    return dir;
  }

  static Stream<Path> examples() throws IOException {
    return Files.list(repositoryRoot().resolve("examples"))
        .filter(p -> p.toString().endsWith(".yaml"))
        .sorted();
  }

  static Stream<Path> invalid() throws IOException {
    return Files.list(repositoryRoot().resolve("examples/invalid"))
        .filter(p -> p.toString().endsWith(".yaml"))
        .sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void acceptsEveryExample(Path file) throws IOException {
    Job job = Serialization.unmarshal(Files.readString(file), Job.class);
    assertThat(SpecValidator.validate(job.getSpec())).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsEveryInvalidManifestNamingTheField(Path file) throws IOException {
    String yaml = Files.readString(file);
    Job job;
    try {
      job = Serialization.unmarshal(yaml, Job.class);
    } catch (RuntimeException e) {
      // Not even a Job to the operator's model (a string where an int goes): only the API
      // server's schema can answer it, and the admission test checks that it does.
      assertThat(annotation(yaml, "fanout.dev/rejected-by")).isEqualTo("schema");
      return;
    }
    String field = job.getMetadata().getAnnotations().get("fanout.dev/expect-field");
    List<String> problems = SpecValidator.validate(job.getSpec());
    assertThat(problems).as("problems of %s", file.getFileName()).isNotEmpty();
    assertThat(String.join("; ", problems)).contains(field);
  }

  private static String annotation(String yaml, String key) {
    return yaml.lines()
        .map(String::trim)
        .filter(l -> l.startsWith(key + ":"))
        .map(l -> l.substring(key.length() + 1).trim())
        .findFirst()
        .orElseThrow();
  }

  @org.junit.jupiter.api.Test
  void aMissingSpecIsNamed() {
    assertThat(SpecValidator.validate(null)).containsExactly("spec is required");
    assertThatThrownBy(() -> SpecValidator.validate(null).add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
