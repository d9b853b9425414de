package dev.fanout.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's table of values, in helm-docs' format (Key | Type | Default | Description), made
 * from values.yaml: one row per key with a {@code # --} comment, in the file's order. The comment
 * runs from its {@code # --} line to the key; a documented object is one row, its default the whole
 * object.
 */
final class ValuesTable {
  static final String START = "<!-- values table: generated from values.yaml, do not edit -->";
  static final String END = "<!-- end of values table -->";

  private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9_]*):.*$");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** A documented value: its dotted path and the text of its {@code # --} comment. */
  record Row(String key, String description) {}

  private ValuesTable() {}

  static Path valuesFile() {
    return RenderedChart.chartDir().resolve("values.yaml");
  }

  /** The documented values of values.yaml, in the file's order. */
  static List<Row> rows(List<String> lines) {
    Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
    List<Row> rows = new ArrayList<>();
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
      String description = description(lines, i);
      if (description != null) {
        rows.add(new Row(path, description));
      }
    }
    return rows;
  }

  /** The {@code # --} comment right above line {@code keyLine}, or null without one. */
  private static String description(List<String> lines, int keyLine) {
    int first = keyLine;
    while (first > 0 && lines.get(first - 1).trim().startsWith("#")) {
      first--;
    }
    int start = -1;
    for (int i = first; i < keyLine; i++) {
      if (lines.get(i).trim().startsWith("# --")) {
        start = i;
      }
    }
    if (start < 0) {
      return null;
    }
    StringBuilder text = new StringBuilder(lines.get(start).trim().substring("# --".length()));
    for (int i = start + 1; i < keyLine; i++) {
      text.append(' ').append(lines.get(i).trim().substring(1));
    }
    return text.toString().trim().replaceAll("\\s+", " ");
  }

  /** The Markdown table, with the markers around it. */
  static String render() {
    try {
      List<String> lines = Files.readAllLines(valuesFile());
      JsonNode values = new YAMLMapper().readTree(valuesFile().toFile());
      StringBuilder table = new StringBuilder(START).append('\n');
      table.append("| Key | Type | Default | Description |\n");
      table.append("|-----|------|---------|-------------|\n");
      for (Row row : rows(lines)) {
        JsonNode value = at(values, row.key());
        table
            .append("| ")
            .append(row.key())
            .append(" | ")
            .append(type(value))
            .append(" | `")
            .append(JSON.writeValueAsString(JSON.treeToValue(value, Object.class)))
            .append("` | ")
            .append(row.description().replace("|", "\\|"))
            .append(" |\n");
      }
      return table.append(END).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** README.md with its table replaced by a freshly generated one. */
  static String regenerate(String readme) {
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    if (start < 0 || end < start) {
      throw new IllegalStateException("README.md lacks the markers " + START + " and " + END);
    }
    return readme.substring(0, start) + render() + readme.substring(end + END.length());
  }

  static JsonNode at(JsonNode values, String path) {
    JsonNode node = values;
    for (String part : path.split("\\.")) {
      node = node.path(part);
    }
    if (node.isMissingNode()) {
      throw new IllegalStateException("no value " + path);
    }
    return node;
  }

  /** helm-docs' type names. */
  private static String type(JsonNode value) {
    if (value.isTextual()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "bool";
    }
    if (value.isIntegralNumber()) {
      return "int";
    }
    if (value.isNumber()) {
      return "float";
    }
    if (value.isArray()) {
      return "list";
    }
    return "object";
  }
}
