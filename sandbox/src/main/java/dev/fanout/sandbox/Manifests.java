package dev.fanout.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fanout.api.Job;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Job manifests of a run: read from files and folders (every {@code .yaml}/{@code .yml} file
 * directly in a folder, as {@code kubectl apply -f} does), each document checked to be a {@code
 * fanout.dev/v1alpha1} Job, and created in the API.
 */
final class Manifests {
  static final String API_VERSION = Job.GROUP + "/" + Job.VERSION;

  /** One Job document and the file it came from. */
  record Manifest(Path file, Job job) {
    String namespace() {
      String ns = job.getMetadata().getNamespace();
      return ns == null || ns.isBlank() ? "default" : ns;
    }

    String pool() {
      return job.getSpec().effectivePool();
    }
  }

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Manifests() {}

  /** Reads every Job; throws one {@link SandboxException} listing every file that is not right. */
  static List<Manifest> read(List<Path> paths) {
    List<Manifest> manifests = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path path : paths) {
      for (Path file : files(path, problems)) {
        readFile(file, manifests, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new SandboxException("cannot run these manifests:\n  " + String.join("\n  ", problems));
    }
    if (manifests.isEmpty()) {
      throw new SandboxException("no Job to run");
    }
    return manifests;
  }

  private static List<Path> files(Path path, List<String> problems) {
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      problems.add(RepoLayout.display(path) + ": no such file or folder");
      return List.of();
    }
    try (Stream<Path> entries = Files.list(path)) {
      List<Path> found =
          entries
              .filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
      if (found.isEmpty()) {
        problems.add(RepoLayout.display(path) + ": folder holds no .yaml or .yml file");
      }
      return found;
    } catch (IOException e) {
      problems.add(RepoLayout.display(path) + ": cannot list: " + e.getMessage());
      return List.of();
    }
  }

  private static void readFile(Path file, List<Manifest> manifests, List<String> problems) {
    String name = RepoLayout.display(file);
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          documents.add(doc);
        }
      }
    } catch (IOException | RuntimeException e) {
      problems.add(name + ": " + readProblem(e));
      return;
    }
    if (documents.isEmpty()) {
      problems.add(name + ": holds no Kubernetes object");
      return;
    }
    for (int i = 0; i < documents.size(); i++) {
      String where = documents.size() == 1 ? name : name + " (document " + (i + 1) + ")";
      String problem = problem(documents.get(i));
      if (problem != null) {
        problems.add(where + ": " + problem);
        continue;
      }
      try {
        manifests.add(new Manifest(file, SERIALIZATION.convertValue(documents.get(i), Job.class)));
      } catch (RuntimeException e) {
        problems.add(where + ": does not fit the Job schema: " + firstLine(e.getMessage()));
      }
    }
  }

  /** What makes the document not a Job we can create, or null. */
  static String problem(JsonNode doc) {
    if (!doc.isObject()) {
      return "not a Kubernetes object (a YAML mapping with apiVersion and kind)";
    }
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    if (!API_VERSION.equals(apiVersion) || !"Job".equals(kind)) {
      String what =
          apiVersion.isEmpty() && kind.isEmpty()
              ? "has no apiVersion and kind"
              : "is a " + (apiVersion.isEmpty() ? "?" : apiVersion) + " " + kind;
      return what + ", not a " + API_VERSION + " Job";
    }
    JsonNode metadata = doc.path("metadata");
    if (metadata.path("name").asText("").isBlank()
        && metadata.path("generateName").asText("").isBlank()) {
      return "metadata.name is missing";
    }
    if (!doc.path("spec").isObject()) {
      return "spec is missing";
    }
    return null;
  }

  /** A YAML syntax error with its line, or else what went wrong reading the file. */
  private static String readProblem(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonProcessingException j) {
        var at = j.getLocation();
        return "not valid YAML"
            + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ")")
            + ": "
            + firstLine(j.getOriginalMessage());
      }
    }
    return "cannot read: " + firstLine(e.getMessage());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** Creates the Job in its namespace ({@code default} unless it names one); returns it. */
  static Job apply(KubernetesClient client, Manifest manifest) {
    Job job = manifest.job();
    job.getMetadata().setNamespace(manifest.namespace());
    try {
      // A real API server refuses objects in a namespace that does not exist.
      if (client.namespaces().withName(manifest.namespace()).get() == null) {
        client
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(manifest.namespace())
                    .endMetadata()
                    .build())
            .createOr(NonDeletingOperation::update);
      }
      return client.resource(job).create();
    } catch (KubernetesClientException e) {
      String ref = manifest.namespace() + "/" + job.getMetadata().getName();
      if (e.getCode() == 409) {
        throw new SandboxException(
            RepoLayout.display(manifest.file())
                + ": Job "
                + ref
                + " exists already (given twice?)");
      }
      if (e.getCode() == 422 && e.getStatus() != null) {
        throw new SandboxException(
            RepoLayout.display(manifest.file())
                + ": the API server refused Job "
                + ref
                + ": "
                + e.getStatus().getMessage(),
            e);
      }
      throw new SandboxException(
          RepoLayout.display(manifest.file())
              + ": creating Job "
              + ref
              + " failed: "
              + e.getMessage(),
          e);
    }
  }
}
