package dev.fanout.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * values.schema.json: Helm refuses a mistyped, misspelt or out-of-range value before rendering,
 * naming it; and the schema and values.yaml declare the same values.
 */
class ValuesSchemaTest {
  private static final JsonNode SCHEMA = schema();

  /** A bad --set value and what Helm's refusal says: the value's path and what is wrong. */
  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("operator.replica", 2, "at '/operator': additional properties 'replica'"),
        Arguments.of(
            "operator.serviceAccountAnnotations.a",
            "b",
            "at '/operator': additional properties 'serviceAccountAnnotations' not allowed"),
        Arguments.of("operator.replicas", -1, "at '/operator/replicas': minimum: got -1, want 0"),
        Arguments.of("operator.replicas", "two", "at '/operator/replicas': got string, want"),
        Arguments.of("operator.maxReceiveCount", 1001, "at '/operator/maxReceiveCount': maximum"),
        Arguments.of(
            "queue.mode", "sqs", "at '/queue/mode': value must be one of 'embedded', 'endpoint'"),
        Arguments.of(
            "worker.image.pullPolicy", "Sometimes", "at '/worker/image/pullPolicy': value must be"),
        Arguments.of("queue.embeddedPort", 70000, "at '/queue/embeddedPort': maximum"),
        Arguments.of("queue.prefix", "fanout.", "at '/queue/prefix': 'fanout.' does not match"),
        Arguments.of("pools[0].name", "Bad_Pool", "at '/pools/0/name': 'Bad_Pool' does not match"),
        Arguments.of("pools[0].concurrency", 0, "at '/pools/0/concurrency': minimum: got 0"),
        Arguments.of("pools[0].nodeselector.zone", "a", "at '/pools/0': additional properties"),
        Arguments.of("watchNamespaces[0]", "Team_A", "at '/watchNamespaces/0': 'Team_A' does"),
        Arguments.of("crds.install", "yes", "at '/crds/install': got string, want boolean"),
        Arguments.of("fullnameOverride", "My_Fanout", "at '/fullnameOverride': 'My_Fanout'"),
        Arguments.of("operator.podLabels.tier", 1, "at '/operator/podLabels/tier': got number"),
        Arguments.of("worker.extraEnv[0].value", "x", "at '/worker/extraEnv/0': missing property"),
        Arguments.of("tests.timeoutSeconds", 5, "at '/tests/timeoutSeconds': minimum: got 5"),
        Arguments.of(
            "database.postgres.url",
            "postgres://db/fanout",
            "at '/database/postgres/url': 'postgres://db/fanout' does not match"),
        Arguments.of(
            "podDisruptionBudget.maxUnavailable",
            "half",
            "at '/podDisruptionBudget/maxUnavailable'"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void helmRefusesABadValueNamingIt(String key, Object value, String message) {
    assertThatThrownBy(() -> RenderedChart.render(List.of(), Map.of(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(message);
  }

  @Test
  void goodValuesOfEachKindPass() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(),
            Map.of(
                "podDisruptionBudget.maxUnavailable", "50%",
                "worker.tokenExpirationSeconds", 3600,
                "queue.region", "elasticmq",
                "operator.extraEnv[0].name", "FANOUT_LOG_LEVEL",
                "operator.extraEnv[0].value", "DEBUG"));

    assertThat(RenderedChart.envValue(chart.operator(), "FANOUT_LOG_LEVEL")).isEqualTo("DEBUG");
  }

  @Test
  void everyValueInValuesYamlIsInTheSchema() throws IOException {
    List<String> missing = new ArrayList<>();
    walkValues("", values(), SCHEMA, missing);

    assertThat(missing).as("values.yaml keys missing from values.schema.json").isEmpty();
  }

  /**
   * The other way round: the chart's own objects declare no value values.yaml lacks. (A pool's
   * fields are optional and documented in the pools comment; `global` is Helm's.)
   */
  @Test
  void everyValueInTheSchemaIsInValuesYaml() throws IOException {
    List<String> extra = new ArrayList<>();
    walkSchema("", SCHEMA, values(), extra);

    assertThat(extra).as("values.schema.json properties missing from values.yaml").isEmpty();
  }

  private static void walkValues(String path, JsonNode value, JsonNode schema, List<String> out) {
    JsonNode resolved = resolve(schema);
    if (value.isObject()) {
      JsonNode properties = resolved.path("properties");
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        if (properties.has(field.getKey())) {
          walkValues(child, field.getValue(), properties.get(field.getKey()), out);
        } else if (closed(resolved)) {
          out.add(child);
        }
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        walkValues(path + "[" + i + "]", value.get(i), resolved.path("items"), out);
      }
    }
  }

  private static void walkSchema(String path, JsonNode schema, JsonNode value, List<String> out) {
    JsonNode resolved = resolve(schema);
    if (!closed(resolved) || !value.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> property : resolved.path("properties").properties()) {
      String child = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
      if (child.equals("global")) {
        continue;
      }
      if (!value.has(property.getKey())) {
        out.add(child);
      } else {
        walkSchema(child, property.getValue(), value.get(property.getKey()), out);
      }
    }
  }

  /** One of the chart's own objects, as opposed to a map passed through (labels, resources). */
  private static boolean closed(JsonNode schema) {
    JsonNode additional = schema.path("additionalProperties");
    return additional.isBoolean() && !additional.asBoolean();
  }

  /** Follows a "#/definitions/x" reference. */
  private static JsonNode resolve(JsonNode schema) {
    JsonNode ref = schema.path("$ref");
    if (ref.isTextual()) {
      String name = ref.asText().substring("#/definitions/".length());
      return resolve(SCHEMA.path("definitions").path(name));
    }
    return schema;
  }

  private static JsonNode schema() {
    try {
      return new ObjectMapper()
          .readTree(RenderedChart.chartDir().resolve("values.schema.json").toFile());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode values() throws IOException {
    return new YAMLMapper().readTree(RenderedChart.chartDir().resolve("values.yaml").toFile());
  }
}
