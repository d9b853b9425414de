package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints the task API's items as they come: a table flushed every page, or a JSON document or YAML
 * list written item by item, so memory stays constant however many tasks a Job has.
 */
final class TaskListing implements Consumer<JsonNode>, AutoCloseable {
  /** The operator writes a task's error as {@code "Reason: message"}. */
  private static final Pattern REASON = Pattern.compile("^([A-Z][A-Za-z]+): (.*)$", Pattern.DOTALL);

  static final int MESSAGE_WIDTH = 100;

  private final PrintStream out;
  private final Output output;
  private final Table table;
  private final Function<JsonNode, Object[]> row;
  private final int flushEvery;
  private int count;

  TaskListing(
      PrintStream out, Output output, Table table, Function<JsonNode, Object[]> row, int page) {
    this.out = out;
    this.output = output;
    this.table = table;
    this.row = row;
    this.flushEvery = page;
  }

  @Override
  public void accept(JsonNode item) {
    if (output == Output.json) {
      out.print(count == 0 ? "{\n  \"items\": [\n" : ",\n");
      out.print(indent(Serialization.asJson(item), "    "));
    } else if (output == Output.yaml) {
      if (count == 0) {
        out.println("items:");
      }
      String yaml = Serialization.asYaml(item).replaceFirst("^---\n", "").stripTrailing();
      out.println("- " + yaml.replace("\n", "\n  "));
    } else {
      table.row(row.apply(item));
      if (table.pending() >= flushEvery) {
        table.flush(out);
      }
    }
    count++;
  }

  int count() {
    return count;
  }

  @Override
  public void close() {
    if (output == Output.json) {
      out.print(count == 0 ? "{\n  \"items\": []\n}\n" : "\n  ]\n}\n");
    } else if (output == Output.yaml) {
      if (count == 0) {
        out.println("items: []");
      }
    } else {
      table.flush(out);
    }
    out.flush();
  }

  private static String indent(String json, String prefix) {
    return prefix + json.strip().replace("\n", "\n" + prefix);
  }

  /** The reason part of a task's error ({@code Error}, {@code Timeout}, ...), or empty. */
  static String reason(JsonNode error) {
    if (error.isObject()) {
      return error.path("reason").asText("");
    }
    Matcher m = REASON.matcher(error.asText(""));
    return m.matches() ? m.group(1) : "";
  }

  /** The message part of a task's error, on one line, cut to the table's width. */
  static String message(JsonNode error) {
    String text;
    if (error.isObject()) {
      text = error.path("message").asText("");
    } else {
      text = error.isNull() || error.isMissingNode() ? "" : error.asText("");
      Matcher m = REASON.matcher(text);
      if (m.matches()) {
        text = m.group(2);
      }
    }
    return oneLine(text);
  }

  static String oneLine(String text) {
    String line = text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " | ");
    return line.length() <= MESSAGE_WIDTH ? line : line.substring(0, MESSAGE_WIDTH - 3) + "...";
  }

  /** A task's run time: {@code 41ms}, {@code 2.5s}, {@code 3m2s}; empty when not known. */
  static String duration(JsonNode millis) {
    if (!millis.canConvertToLong()) {
      return "";
    }
    long ms = millis.asLong();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    return Ages.human(java.time.Duration.ofMillis(ms));
  }
}
