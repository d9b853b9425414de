package dev.fanout.api;

import static org.junit.jupiter.api.Named.named;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/**
 * The example manifests as test cases: {@code examples/*.yaml} must be accepted, {@code
 * examples/invalid/*.yaml} rejected, each by the party its annotations name. One list, shared by
 * the stand-in admission here and the tests on a real API server (kube-tests, through this module's
 * test-jar).
 */
public final class ExampleManifests {
  /** The field the rejection must name, e.g. {@code spec.tasks.count}. */
  public static final String EXPECT_FIELD = "fanout.dev/expect-field";

  /** {@code schema} (the CRD's schema and CEL rules) or {@code operator} (its spec validation). */
  public static final String REJECTED_BY = "fanout.dev/rejected-by";

  private ExampleManifests() {}

  /** Every manifest in {@code examples/}, named by its path from the repository root. */
  public static Stream<Named<Path>> valid() {
    return manifests(examplesDir());
  }

  /** Every manifest in {@code examples/invalid/}. */
  public static Stream<Named<Path>> invalid() {
    return manifests(examplesDir().resolve("invalid"));
  }

  /** The invalid manifests the API server itself must reject. */
  public static Stream<Named<Path>> rejectedBySchema() {
    return invalid().filter(m -> rejectedBy(m.getPayload()).equals("schema"));
  }

  /** The invalid manifests the schema lets through and the operator must fail. */
  public static Stream<Named<Path>> rejectedByOperator() {
    return invalid().filter(m -> rejectedBy(m.getPayload()).equals("operator"));
  }

  public static Path examplesDir() {
    return CrdFile.repositoryRoot().resolve("examples");
  }

  public static JsonNode read(Path file) {
    try {
      return CrdAdmission.readYaml(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String expectedField(JsonNode manifest) {
    return annotation(manifest, EXPECT_FIELD);
  }

  public static String rejectedBy(Path file) {
    return annotation(read(file), REJECTED_BY);
  }

  public static String annotation(JsonNode manifest, String name) {
    return manifest.path("metadata").path("annotations").path(name).asText();
  }

  private static Stream<Named<Path>> manifests(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".yaml"))
          .sorted()
          .map(f -> named(examplesDir().getParent().relativize(f).toString(), f))
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
