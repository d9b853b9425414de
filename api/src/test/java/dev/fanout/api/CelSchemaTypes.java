package dev.fanout.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.common.values.NullValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How a CRD schema's values look to CEL: their declared types, and their values at runtime. */
final class CelSchemaTypes {
  private CelSchemaTypes() {}

  /**
   * The CEL type Kubernetes declares for a schema, or null where CEL cannot see the value: an
   * object with properties is a struct of its properties (the root also gets apiVersion, kind and
   * metadata.name/generateName), an object with additionalProperties a map, an object that only
   * preserves unknown fields a struct without fields, int-or-string dyn, a schema without a type
   * (or a list of such) nothing. String formats (date-time, duration, byte) stay strings here.
   */
  static CelType declType(JsonNode schema, String name, boolean root, List<CelType> structs) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      return SimpleType.DYN;
    }
    switch (schema.path("type").asText()) {
      case "array" -> {
        CelType items =
            schema.has("items")
                ? declType(schema.get("items"), name + ".@items", false, structs)
                : null;
        return items == null ? null : ListType.create(items);
      }
      case "object" -> {
        JsonNode additional = schema.path("additionalProperties");
        if (additional.isObject()) {
          CelType values = declType(additional, name + ".@values", false, structs);
          return values == null ? null : MapType.create(SimpleType.STRING, values);
        }
        Map<String, CelType> fields = new LinkedHashMap<>();
        schema
            .path("properties")
            .fields()
            .forEachRemaining(
                p -> {
                  CelType t = declType(p.getValue(), name + "." + p.getKey(), false, structs);
                  if (t != null) {
                    fields.put(p.getKey(), t);
                  }
                });
        if (root) {
          fields.putIfAbsent("apiVersion", SimpleType.STRING);
          fields.putIfAbsent("kind", SimpleType.STRING);
          Map<String, CelType> meta =
              Map.of("name", SimpleType.STRING, "generateName", SimpleType.STRING);
          StructType metadata =
              StructType.create(
                  name + ".metadata",
                  ImmutableSet.copyOf(meta.keySet()),
                  f -> Optional.ofNullable(meta.get(f)));
          structs.add(metadata);
          fields.putIfAbsent("metadata", metadata);
        }
        StructType struct =
            StructType.create(
                name,
                ImmutableSet.copyOf(fields.keySet()),
                f -> Optional.ofNullable(fields.get(f)));
        structs.add(struct);
        return struct;
      }
      case "string" -> {
        return SimpleType.STRING;
      }
      case "integer" -> {
        return SimpleType.INT;
      }
      case "number" -> {
        return SimpleType.DOUBLE;
      }
      case "boolean" -> {
        return SimpleType.BOOL;
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * The value as cel-java's runtime takes it: maps, lists, Long, Double, String, Boolean and
   * NullValue. Like the API server, an integer in a {@code number} field is a double, and a null
   * field of an object with properties is absent.
   */
  static Object toCel(JsonNode value, JsonNode schema) {
    JsonNode s = schema == null ? MissingNode.getInstance() : schema;
    if (value.isObject()) {
      JsonNode properties = s.path("properties");
      Map<String, Object> map = new LinkedHashMap<>();
      value
          .fields()
          .forEachRemaining(
              f -> {
                if (f.getValue().isNull() && properties.isObject()) {
                  return;
                }
                JsonNode sub =
                    properties.has(f.getKey())
                        ? properties.get(f.getKey())
                        : s.get("additionalProperties");
                map.put(
                    f.getKey(), toCel(f.getValue(), sub != null && sub.isObject() ? sub : null));
              });
      return map;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      value.forEach(e -> list.add(toCel(e, s.get("items"))));
      return list;
    }
    if (value.isNumber()) {
      String type = s.path("type").asText();
      boolean integral =
          type.equals("integer") || (!type.equals("number") && value.isIntegralNumber());
      return integral ? (Object) value.longValue() : (Object) value.doubleValue();
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    return value.isNull() ? NullValue.NULL_VALUE : value.asText();
  }
}
