package dev.fanout.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every value in values.yaml is documented in the chart's README.md and commented in place. */
class ValuesDocumentationTest {
  /** Values whose content is passed through whole (toYaml): documented as one entry. */
  private static final Set<String> OPAQUE =
      Set.of(
          "operator.resources",
          "worker.resources",
          "podSecurityContext",
          "containerSecurityContext");

  private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):.*$");

  @Test
  void readmeDocumentsEveryValue() throws IOException {
    JsonNode values =
        new YAMLMapper().readTree(RenderedChart.chartDir().resolve("values.yaml").toFile());
    String readme = Files.readString(RenderedChart.chartDir().resolve("README.md"));

    List<String> paths = new ArrayList<>();
    collect("", values, paths);

    assertThat(paths).hasSizeGreaterThan(40);
    assertThat(paths).allSatisfy(path -> assertThat(readme).contains("`" + path + "`"));
  }

  @Test
  void everyValueHasACommentAboveIt() throws IOException {
    JsonNode values =
        new YAMLMapper().readTree(RenderedChart.chartDir().resolve("values.yaml").toFile());
    List<String> leaves = new ArrayList<>();
    collect("", values, leaves);
    List<String> lines = Files.readAllLines(RenderedChart.chartDir().resolve("values.yaml"));

    Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
    List<String> commented = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher key = KEY.matcher(lines.get(i));
      if (!key.matches()) {
        continue;
      }
      int indent = key.group(1).length();
      while (!parents.isEmpty() && parents.peek().getKey() >= indent) {
        parents.pop();
      }
      String path =
          parents.isEmpty() ? key.group(2) : parents.peek().getValue() + "." + key.group(2);
      parents.push(Map.entry(indent, path));
      if (leaves.contains(path) && i > 0 && lines.get(i - 1).trim().startsWith("#")) {
        commented.add(path);
      }
    }

    assertThat(leaves)
        .allSatisfy(leaf -> assertThat(commented).as("commented values").contains(leaf));
  }

  private static void collect(String prefix, JsonNode node, List<String> paths) {
    if (node.isObject() && !node.isEmpty() && !OPAQUE.contains(prefix)) {
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
