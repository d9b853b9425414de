package dev.fanout.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates a CRD schema's x-kubernetes-validations rules with cel-java, as the API server does.
 */
final class CelRules {
  private static final CelOptions OPTIONS = CelOptions.current().build();

  private record Rule(
      String text,
      String message,
      String fieldPath,
      String reason,
      boolean transition,
      CelRuntime.Program program) {}

  private final JsonNode rootSchema;
  private final Map<JsonNode, List<Rule>> rules = new IdentityHashMap<>();

  /**
   * Compiles every rule in the schema; throws if one does not compile or is unsupported
   * (messageExpression, optionalOldSelf), as the API server would refuse the CRD.
   *
   * <p>As in Kubernetes, {@code self} and {@code oldSelf} are typed from the schema ({@link
   * CelSchemaTypes}), so a rule naming a field CEL cannot see does not compile. The standard CEL
   * library and macros ({@code has}, {@code size}, {@code all}, {@code exists}, ...) and the
   * strings extension library ({@code lastIndexOf}, {@code substring}, ...) are available;
   * Kubernetes' other extension libraries (lists, regex, quantity, ...) are not: no rule uses them
   * yet, and one that did would fail here, loudly.
   */
  CelRules(JsonNode openApiSchema) {
    this.rootSchema = openApiSchema;
    compileAll(openApiSchema, "", true);
  }

  /**
   * The errors of the rules for {@code object}; {@code old} is null on create.
   *
   * <p>A rule that references {@code oldSelf} is a transition rule: it runs only on update, and
   * only where the old object has a value at the rule's location (lists are atomic, so never inside
   * list items). Other rules run on create and update.
   *
   * <p>Known differences: for an object that only preserves unknown fields (spec.parameters, an
   * item of spec.tasks.items) the API server's {@code ==} checks that the sizes match and that each
   * key of the left side that the right side also has holds an equal value, so a key renamed while
   * the size stays the same goes unnoticed there, while 10 and 10.0 differ. Here the values are
   * plain Java maps and cel-java's {@code ==} compares them fully, with 10 equal to 10.0.
   */
  List<AdmissionError> validate(JsonNode object, JsonNode old) {
    List<AdmissionError> errors = new ArrayList<>();
    walk(rootSchema, object, old, "", errors);
    return errors;
  }

  private void compileAll(JsonNode schema, String path, boolean root) {
    JsonNode validations = schema.path("x-kubernetes-validations");
    if (!validations.isMissingNode()) {
      List<CelType> structs = new ArrayList<>();
      CelType type =
          CelSchemaTypes.declType(schema, path.isEmpty() ? "object" : path, root, structs);
      if (type == null) {
        throw new IllegalStateException("rules at " + path + " on a schema CEL cannot see");
      }
      Cel cel = environment(type, structs);
      List<Rule> compiled = new ArrayList<>();
      validations.forEach(v -> compiled.add(compile(cel, v, schema, path)));
      rules.put(schema, compiled);
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(p -> compileAll(p.getValue(), join(path, p.getKey()), false));
    if (schema.has("items")) {
      compileAll(schema.get("items"), path + "[*]", false);
    }
    if (schema.path("additionalProperties").isObject()) {
      compileAll(schema.get("additionalProperties"), path + "[*]", false);
    }
  }

  private static Cel environment(CelType selfType, List<CelType> structs) {
    ImmutableList<CelType> types = ImmutableList.copyOf(structs);
    CelTypeProvider provider =
        new CelTypeProvider() {
          @Override
          public ImmutableCollection<CelType> types() {
            return types;
          }

          @Override
          public Optional<CelType> findType(String name) {
            return types.stream().filter(t -> t.name().equals(name)).findFirst();
          }
        };
    return CelFactory.standardCelBuilder()
        .setOptions(OPTIONS)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addCompilerLibraries(CelExtensions.strings())
        .addRuntimeLibraries(CelExtensions.strings())
        .setTypeProvider(provider)
        .addVar("self", selfType)
        .addVar("oldSelf", selfType)
        .setResultType(SimpleType.BOOL)
        .build();
  }

  private static Rule compile(Cel cel, JsonNode validation, JsonNode schema, String path) {
    for (String unsupported : List.of("messageExpression", "optionalOldSelf")) {
      if (validation.has(unsupported)) {
        throw new IllegalStateException(
            unsupported + " is not supported here (rule at " + path + ")");
      }
    }
    String text = validation.path("rule").asText();
    try {
      CelAbstractSyntaxTree ast = cel.compile(text).getAst();
      boolean transition =
          ast.getReferenceMap().values().stream().anyMatch(r -> r.name().equals("oldSelf"));
      return new Rule(
          text,
          validation.path("message").asText("failed rule: " + text),
          validation.path("fieldPath").asText(""),
          validation.path("reason").asText(""),
          transition,
          cel.createProgram(ast));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalStateException("rule at " + path + " does not compile: " + text, e);
    }
  }

  private void walk(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<AdmissionError> errors) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    boolean hasOld = old != null && !old.isNull() && !old.isMissingNode();
    for (Rule rule : rules.getOrDefault(schema, List.of())) {
      if (rule.transition() && !hasOld) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", CelSchemaTypes.toCel(value, schema));
      if (rule.transition()) {
        vars.put("oldSelf", CelSchemaTypes.toCel(old, schema));
      }
      try {
        if (!Boolean.TRUE.equals(rule.program().eval(vars))) {
          errors.add(failure(rule, path, value));
        }
      } catch (CelEvaluationException e) {
        errors.add(
            new AdmissionError(
                path,
                "Internal error: rule " + rule.text() + " evaluation error: " + e.getMessage()));
      }
    }
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      value
          .fields()
          .forEachRemaining(
              f -> {
                JsonNode sub = properties.has(f.getKey()) ? properties.get(f.getKey()) : additional;
                if (sub.isObject()) {
                  String at =
                      properties.has(f.getKey())
                          ? join(path, f.getKey())
                          : path + "[" + f.getKey() + "]";
                  walk(sub, f.getValue(), hasOld ? old.get(f.getKey()) : null, at, errors);
                }
              });
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        walk(schema.get("items"), value.get(i), null, path + "[" + i + "]", errors);
      }
    }
  }

  /**
   * The error as kube-apiserver 1.35 words it: "Invalid value" shows the value itself when it is a
   * scalar (a string quoted) and nothing for an object or a list (checked on a real API server by
   * kube-tests' CrdIT).
   */
  private static AdmissionError failure(Rule rule, String path, JsonNode value) {
    String field = path + rule.fieldPath().replaceAll("\\['([^']*)'\\]", ".$1");
    String shown = value.isContainerNode() ? "" : value.toString() + ": ";
    String message =
        switch (rule.reason()) {
          case "FieldValueRequired" -> "Required value: " + rule.message();
          case "FieldValueForbidden" -> "Forbidden: " + rule.message();
          case "FieldValueDuplicate" -> "Duplicate value: " + rule.message();
          default -> "Invalid value: " + shown + rule.message();
        };
    return new AdmissionError(field.startsWith(".") ? field.substring(1) : field, message);
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
