package dev.fanout.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The CRD as fabric8's generator writes it into target/, with two changes: the printer columns in
 * the order the API contract gives (the generator sorts them by JSON path), without the default
 * priority 0 that the API server would not store.
 */
final class CrdFile {
  static final String FILE = "jobs.fanout.dev-v1.yml";
  static final List<String> COLUMN_ORDER =
      List.of("Phase", "Progress", "Failed", "Duration", "Age", "Handler", "Pool");
  private static final String HEADER =
      "# Generated from the api module by fabric8's CRD generator. Do not edit: change the model,\n"
          + "# then run ./mvnw -pl api test -Dfanout.updateCrd=true\n";

  private CrdFile() {}

  static CustomResourceDefinition generated() throws IOException {
    try (InputStream in = CrdFile.class.getResourceAsStream("/META-INF/fabric8/" + FILE)) {
      if (in == null) {
        throw new IllegalStateException("the CRD generator wrote no " + FILE);
      }
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      for (var v : crd.getSpec().getVersions()) {
        v.getAdditionalPrinterColumns()
            .sort(
                Comparator.comparingInt(
                    (CustomResourceColumnDefinition c) -> COLUMN_ORDER.indexOf(c.getName())));
        // The API server drops priority 0 (its default) when it stores the CRD. Left in the file,
        // the stored spec.versions (an atomic list) differs from the file's, and a server-side
        // apply of the file by a second field manager conflicts: Helm 4 installing the chart
        // after `kubectl apply -f crds/` fails. Found by kube-tests on a real API server.
        v.getAdditionalPrinterColumns().stream()
            .filter(c -> Integer.valueOf(0).equals(c.getPriority()))
            .forEach(c -> c.setPriority(null));
      }
      return crd;
    }
  }

  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the repository root above " + Path.of(""));
    }
    return dir;
  }

  static Path committedPath() {
    return repositoryRoot().resolve("crds").resolve(FILE);
  }

  static CustomResourceDefinition read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }

  static String render(CustomResourceDefinition crd) {
    String yaml = Serialization.asYaml(crd);
    return HEADER + (yaml.startsWith("---\n") ? yaml.substring(4) : yaml);
  }

  static void write(CustomResourceDefinition crd) throws IOException {
    Path target = committedPath();
    Files.createDirectories(target.getParent());
    Files.writeString(target, render(crd));
    Path chartCopy = repositoryRoot().resolve("helm/fanout/files").resolve(FILE);
    if (Files.isDirectory(chartCopy.getParent())) {
      Files.writeString(chartCopy, render(crd));
    }
  }
}
