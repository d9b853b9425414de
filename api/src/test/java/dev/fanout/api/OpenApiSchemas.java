package dev.fanout.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** A CRD's OpenAPI v3 schema as JSON Schema draft 2019-09, and its defaults applied to objects. */
final class OpenApiSchemas {
  static final String DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema";

  /** Keywords that mean the same in OpenAPI 3.0 and draft 2019-09: copied as they are. */
  private static final Set<String> SAME =
      Set.of(
          "type",
          "required",
          "minimum",
          "maximum",
          "multipleOf",
          "minLength",
          "maxLength",
          "pattern",
          "minItems",
          "maxItems",
          "uniqueItems",
          "minProperties",
          "maxProperties",
          "enum",
          "format");

  /** Keywords that annotate but never reject, or that the API server handles elsewhere. */
  private static final Set<String> DROPPED =
      Set.of(
          "description",
          "title",
          "default",
          "example",
          "externalDocs",
          "nullable",
          "exclusiveMinimum",
          "exclusiveMaximum");

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private OpenApiSchemas() {}

  /**
   * The draft 2019-09 equivalent of a CRD version's {@code openAPIV3Schema}.
   *
   * <p>{@code nullable: true} becomes a {@code "null"} type; boolean {@code exclusiveMinimum} and
   * {@code exclusiveMaximum} become the numeric draft 2019-09 form; {@code
   * x-kubernetes-int-or-string} becomes {@code type: [integer, string]}; other {@code
   * x-kubernetes-*} keywords and annotations are dropped (the CEL rules are checked by {@link
   * CelRules}). Objects with {@code properties} and without {@code
   * x-kubernetes-preserve-unknown-fields} reject other fields, as the API server does under
   * kubectl's default strict field validation (without it, the API server would drop them). The
   * root also declares {@code apiVersion}, {@code kind} and {@code metadata}, which the API server
   * validates on its own. An unknown keyword is an error, so a CRD change that uses one cannot pass
   * unnoticed.
   */
  static ObjectNode toJsonSchema(JsonNode openApiSchema) {
    ObjectNode root = convert(openApiSchema, "");
    ObjectNode properties = root.withObject("properties");
    properties.set("apiVersion", JSON.objectNode().put("type", "string"));
    properties.set("kind", JSON.objectNode().put("type", "string"));
    properties.set("metadata", JSON.objectNode().put("type", "object"));
    root.put("$schema", DRAFT_2019_09);
    return root;
  }

  private static ObjectNode convert(JsonNode schema, String at) {
    ObjectNode out = JSON.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (SAME.contains(key)) {
        out.set(key, wholeNumberAsInteger(value));
      } else if (key.equals("properties")) {
        ObjectNode properties = out.putObject("properties");
        value
            .fields()
            .forEachRemaining(
                p -> properties.set(p.getKey(), convert(p.getValue(), at + "." + p.getKey())));
      } else if (key.equals("items")) {
        out.set("items", convert(value, at + "[]"));
      } else if (key.equals("additionalProperties")) {
        out.set("additionalProperties", value.isBoolean() ? value : convert(value, at + "[*]"));
      } else if (key.equals("not")) {
        out.set("not", convert(value, at));
      } else if (key.equals("allOf") || key.equals("anyOf") || key.equals("oneOf")) {
        ArrayNode list = out.putArray(key);
        value.forEach(s -> list.add(convert(s, at)));
      } else if (!DROPPED.contains(key) && !key.startsWith("x-kubernetes-")) {
        throw new IllegalArgumentException("unsupported schema keyword " + key + " at " + at);
      }
    }
    exclusiveBound(schema, out, "exclusiveMinimum", "minimum");
    exclusiveBound(schema, out, "exclusiveMaximum", "maximum");
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      out.set("type", JSON.arrayNode().add("integer").add("string"));
    }
    if (schema.path("nullable").asBoolean()) {
      nullable(out);
    }
    boolean strict =
        schema.has("properties")
            && !schema.has("additionalProperties")
            && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    if (strict) {
      out.put("additionalProperties", false);
    }
    return out;
  }

  /** 1.0 as 1, so that messages read "minimum value of 1" as the CRD generator meant it. */
  private static JsonNode wholeNumberAsInteger(JsonNode value) {
    boolean whole =
        value.isFloatingPointNumber()
            && value.doubleValue() == Math.rint(value.doubleValue())
            && Math.abs(value.doubleValue()) < 1e15;
    return whole ? JSON.numberNode(value.longValue()) : value.deepCopy();
  }

  private static void exclusiveBound(
      JsonNode schema, ObjectNode out, String keyword, String bound) {
    if (schema.path(keyword).asBoolean() && schema.has(bound)) {
      out.remove(bound);
      out.set(keyword, wholeNumberAsInteger(schema.get(bound)));
    }
  }

  private static void nullable(ObjectNode out) {
    JsonNode type = out.get("type");
    if (type != null && type.isTextual()) {
      out.set("type", JSON.arrayNode().add(type.asText()).add("null"));
    } else if (type != null && type.isArray()) {
      ((ArrayNode) type).add("null");
    }
    if (out.get("enum") instanceof ArrayNode values) {
      values.addNull();
    }
  }

  /**
   * Drops null fields the schema does not mark {@code nullable}, sets every absent field that has a
   * {@code default}, then descends, as the API server does on create and update before validation
   * (a default under an absent object is not applied). Only the CEL rules can observe the
   * difference: a defaulted {@code pool} makes {@code has(self.pool)} true.
   */
  static void applyDefaults(JsonNode value, JsonNode schema) {
    if (value instanceof ObjectNode object) {
      schema
          .path("properties")
          .fields()
          .forEachRemaining(
              p -> {
                JsonNode current = object.get(p.getKey());
                if (current != null
                    && current.isNull()
                    && !p.getValue().path("nullable").asBoolean()) {
                  object.remove(p.getKey());
                }
                if (!object.has(p.getKey()) && p.getValue().has("default")) {
                  object.set(p.getKey(), p.getValue().get("default").deepCopy());
                }
                if (object.has(p.getKey())) {
                  applyDefaults(object.get(p.getKey()), p.getValue());
                }
              });
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        object.forEach(v -> applyDefaults(v, additional));
      }
    } else if (value instanceof ArrayNode array && schema.has("items")) {
      array.forEach(v -> applyDefaults(v, schema.get("items")));
    }
  }
}
