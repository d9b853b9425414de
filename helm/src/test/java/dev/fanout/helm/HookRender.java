package dev.fanout.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chart rendered with its hooks among the objects. helm-java's {@code template} leaves hooks
 * out (the {@code helm} command prints them; the library returns the release manifest only), so
 * this renders a copy of the chart whose templates say {@code unhooked.helm.sh/hook…} wherever the
 * chart says {@code helm.sh/hook…}: the same documents, which Helm then keeps as plain objects.
 */
final class HookRender {
  /** Where an annotation {@code helm.sh/hook…} of the chart lands in the copy's objects. */
  static final String PREFIX = "unhooked.";

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private HookRender() {}

  /** The objects, hooks included, rendered with these --set pairs. */
  static List<HasMetadata> render(Map<String, Object> sets) {
    try {
      Path copy = copyWithHooksUnhooked();
      TemplateCommand template =
          new Helm(copy)
              .template()
              .withName(RenderedChart.RELEASE)
              .withNamespace(RenderedChart.NAMESPACE)
              .withKubeVersion(RenderedChart.KUBE_VERSION);
      for (Map.Entry<String, Object> set : sets.entrySet()) {
        template = template.set(set.getKey(), set.getValue());
      }
      List<HasMetadata> objects = new ArrayList<>();
      for (String document : DOCUMENT_SEPARATOR.split(template.call())) {
        if (!document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
          objects.add(Serialization.unmarshal(document, HasMetadata.class));
        }
      }
      return objects;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path copyWithHooksUnhooked() throws IOException {
    Path source = RenderedChart.chartDir();
    Path target = Files.createTempDirectory("fanout-chart-");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path to = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else if (file.startsWith(source.resolve("templates"))) {
          Files.writeString(
              to, Files.readString(file).replace("helm.sh/hook", PREFIX + "helm.sh/hook"));
        } else {
          Files.copy(file, to);
        }
      }
    }
    return target;
  }
}
