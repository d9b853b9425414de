package dev.fanout.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every value in values.yaml carries a {@code # --} comment (itself or an object around it), and
 * the chart's README.md holds the table generated from them. {@code ./mvnw -o -pl helm test
 * -Dtest=ValuesDocumentationTest -Dfanout.updateReadme=true} rewrites that table.
 */
class ValuesDocumentationTest {
  private static final Path README = RenderedChart.chartDir().resolve("README.md");

  @Test
  void readmeHoldsTheTableGeneratedFromValuesYaml() throws IOException {
    String readme = Files.readString(README);
    String regenerated = ValuesTable.regenerate(readme);
    if (Boolean.getBoolean("fanout.updateReadme")) {
      Files.writeString(README, regenerated);
      readme = regenerated;
    }

    assertThat(readme)
        .as(
            "helm/fanout/README.md's values table differs from values.yaml: run ./mvnw -o -pl helm"
                + " test -Dtest=ValuesDocumentationTest -Dfanout.updateReadme=true")
        .isEqualTo(regenerated);
  }

  @Test
  void everyValueIsDocumentedByItsOwnCommentOrItsObjects() throws IOException {
    JsonNode values = new YAMLMapper().readTree(ValuesTable.valuesFile().toFile());
    List<String> documented =
        ValuesTable.rows(Files.readAllLines(ValuesTable.valuesFile())).stream()
            .map(ValuesTable.Row::key)
            .toList();
    List<String> leaves = new ArrayList<>();
    collect("", values, leaves);

    assertThat(leaves).hasSizeGreaterThan(60);
    assertThat(leaves)
        .allSatisfy(
            leaf ->
                assertThat(documented)
                    .as("a # -- comment on %s or an object around it", leaf)
                    .anyMatch(key -> leaf.equals(key) || leaf.startsWith(key + ".")));
  }

  /** A pool's fields are not in values.yaml (they are optional): the README lists each. */
  @Test
  void readmeDocumentsEveryFieldOfAPool() throws IOException {
    JsonNode properties =
        new ObjectMapper()
            .readTree(RenderedChart.chartDir().resolve("values.schema.json").toFile())
            .path("definitions")
            .path("pool")
            .path("properties");
    List<String> fields = new ArrayList<>();
    properties.fieldNames().forEachRemaining(fields::add);
    String readme = Files.readString(README);

    assertThat(fields).hasSizeGreaterThan(10);
    assertThat(fields).allSatisfy(field -> assertThat(readme).contains("`pools[]." + field + "`"));
  }

  private static void collect(String prefix, JsonNode node, List<String> paths) {
    if (node.isObject() && !node.isEmpty()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        collect(
            prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(),
            field.getValue(),
            paths);
      }
    } else {
      paths.add(prefix);
    }
  }
}
