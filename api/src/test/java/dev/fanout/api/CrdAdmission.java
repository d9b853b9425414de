package dev.fanout.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Stands in for the API server's admission of custom resources, which the mock server lacks. */
public final class CrdAdmission {
  static final YAMLMapper YAML = new YAMLMapper();

  /**
   * Schema errors after which the API server does not evaluate CEL rules (its {@code
   * hasBlockingErr}): wrong type, missing required field, enum, too long, too many; unknown fields
   * too, which strict field validation rejects before validation.
   */
  private static final Set<String> BLOCKING =
      Set.of(
          "type",
          "required",
          "enum",
          "maxLength",
          "maxItems",
          "maxProperties",
          "additionalProperties");

  static final String NOT_CHECKED =
      "some validation rules were not checked because the object was invalid; correct the"
          + " existing errors to complete validation";

  private final String apiVersion;
  private final String kind;
  private final JsonNode openApiSchema;
  private final JsonSchema jsonSchema;
  private final CelRules rules;
  private final boolean statusSubresource;

  private CrdAdmission(JsonNode crd, String version) {
    JsonNode v = null;
    for (JsonNode candidate : crd.path("spec").path("versions")) {
      if (candidate.path("name").asText().equals(version)) {
        v = candidate;
      }
    }
    if (v == null) {
      throw new IllegalArgumentException("the CRD has no version " + version);
    }
    this.apiVersion = crd.path("spec").path("group").asText() + "/" + version;
    this.kind = crd.path("spec").path("names").path("kind").asText();
    this.openApiSchema = v.path("schema").path("openAPIV3Schema");
    this.statusSubresource = v.path("subresources").has("status");
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder().pathType(PathType.LEGACY).locale(Locale.ROOT).build();
    this.jsonSchema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909)
            .getSchema(OpenApiSchemas.toJsonSchema(openApiSchema), config);
    this.rules = new CelRules(openApiSchema);
  }

  /** Admission for one version of the CRD in a YAML file. */
  static CrdAdmission load(Path crdFile, String version) throws IOException {
    return new CrdAdmission(readYaml(crdFile), version);
  }

  /** Admission for the committed {@code crds/jobs.fanout.dev-v1.yml}, version v1alpha1. */
  public static CrdAdmission forCommittedCrd() throws IOException {
    return load(CrdFile.committedPath(), "v1alpha1");
  }

  public static JsonNode readYaml(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  /**
   * Why the API server would refuse to create {@code manifest}; empty if it would accept it.
   *
   * <p>Like the API server: drops status (a subresource), applies the schema's defaults ({@link
   * OpenApiSchemas#applyDefaults}), validates against the OpenAPI schema (converted to JSON Schema
   * draft 2019-09 for networknt, {@link OpenApiSchemas#toJsonSchema}), then, unless a schema error
   * blocks them, evaluates the CEL rules ({@link CelRules}). Not emulated: metadata validation
   * beyond name presence, validation ratcheting, CEL cost limits.
   */
  public List<AdmissionError> create(JsonNode manifest) {
    ObjectNode object = prepare(manifest);
    if (statusSubresource) {
      object.remove("status");
    }
    return admit(object, null);
  }

  /**
   * Why the API server would refuse to update {@code old} to {@code updated} (the main resource).
   */
  List<AdmissionError> update(JsonNode old, JsonNode updated) {
    ObjectNode before = prepare(old);
    ObjectNode after = prepare(updated);
    if (statusSubresource) {
      after.remove("status");
      if (before.has("status")) {
        after.set("status", before.get("status"));
      }
    }
    return admit(after, before);
  }

  private ObjectNode prepare(JsonNode manifest) {
    if (!(manifest instanceof ObjectNode object)) {
      throw new IllegalArgumentException("a manifest must be a YAML mapping");
    }
    ObjectNode copy = object.deepCopy();
    OpenApiSchemas.applyDefaults(copy, openApiSchema);
    return copy;
  }

  private List<AdmissionError> admit(ObjectNode object, ObjectNode old) {
    List<AdmissionError> errors = new ArrayList<>();
    if (!object.path("apiVersion").asText().equals(apiVersion)) {
      errors.add(new AdmissionError("apiVersion", "Unsupported value: must be " + apiVersion));
    }
    if (!object.path("kind").asText().equals(kind)) {
      errors.add(new AdmissionError("kind", "Unsupported value: must be " + kind));
    }
    JsonNode metadata = object.path("metadata");
    if (!metadata.hasNonNull("name") && !metadata.hasNonNull("generateName")) {
      errors.add(new AdmissionError("metadata.name", "Required value: name or generateName"));
    }
    boolean blocking = false;
    List<ValidationMessage> messages = new ArrayList<>(jsonSchema.validate(object));
    messages.sort(Comparator.comparing(ValidationMessage::getMessage)); // a stable order
    for (ValidationMessage m : messages) {
      errors.add(new AdmissionError(field(m), m.getError()));
      blocking |= BLOCKING.contains(m.getType());
    }
    if (blocking) {
      errors.add(new AdmissionError("", NOT_CHECKED));
    } else {
      errors.addAll(rules.validate(object, old));
    }
    return errors;
  }

  /** The field a schema error is about, as Kubernetes writes paths: {@code spec.tasks.items[1]}. */
  private static String field(ValidationMessage m) {
    JsonNodePath location = m.getInstanceLocation();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        field.append('[').append(index).append(']');
      } else {
        field.append(field.isEmpty() ? "" : ".").append(element);
      }
    }
    boolean aboutProperty =
        m.getType().equals("required") || m.getType().equals("additionalProperties");
    if (aboutProperty && m.getProperty() != null) {
      field.append(field.isEmpty() ? "" : ".").append(m.getProperty());
    }
    return field.toString();
  }
}
