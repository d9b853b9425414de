package dev.fanout.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The chart rendered by the real Helm library (helm-java), parsed into typed fabric8 objects. */
final class RenderedChart {
  static final String RELEASE = "rel";
  static final String NAMESPACE = "fanout-system";
  static final String OPERATOR = RELEASE + "-fanout-operator";
  static final String WORKER = RELEASE + "-fanout-worker";

  /** helm-java's default is v1.20, older than the chart's kubeVersion (CEL rules need 1.25+). */
  static final String KUBE_VERSION = "v1.33.0";

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  final String yaml;
  final List<HasMetadata> objects;

  private RenderedChart(String yaml, List<HasMetadata> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  static Path helmDir() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("helm/fanout"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find helm/fanout above " + Path.of(""));
    }
    return dir.resolve("helm");
  }

  static Path chartDir() {
    return helmDir().resolve("fanout");
  }

  static Path repositoryRoot() {
    return helmDir().getParent();
  }

  /** Renders with the given values files (relative to the repository root) and --set pairs. */
  static RenderedChart render(List<String> valuesFiles, Map<String, Object> sets) {
    return renderRelease(RELEASE, valuesFiles, sets);
  }

  /** As {@link #render(List, Map)}, for a release of another name. */
  static RenderedChart renderRelease(
      String release, List<String> valuesFiles, Map<String, Object> sets) {
    TemplateCommand template =
        new Helm(chartDir())
            .template()
            .withName(release)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    for (String file : valuesFiles) {
      template = template.withValuesFile(repositoryRoot().resolve(file));
    }
    for (Map.Entry<String, Object> set : sets.entrySet()) {
      template = template.set(set.getKey(), set.getValue());
    }
    String yaml = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
      if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        continue;
      }
      objects.add(Serialization.unmarshal(document, HasMetadata.class));
    }
    return new RenderedChart(yaml, List.copyOf(objects));
  }

  static RenderedChart render(String... valuesFiles) {
    return render(List.of(valuesFiles), Map.of());
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<HasMetadata> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  <T extends HasMetadata> T named(Class<T> type, String name) {
    return all(type).stream()
        .filter(o -> name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  Deployment operator() {
    return named(Deployment.class, OPERATOR);
  }

  List<Deployment> workers() {
    return all(Deployment.class).stream()
        .filter(d -> d.getMetadata().getName().startsWith(WORKER + "-"))
        .toList();
  }

  static Container container(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
  }

  static Optional<EnvVar> env(Deployment deployment, String name) {
    return container(deployment).getEnv().stream()
        .filter(e -> name.equals(e.getName()))
        .findFirst();
  }

  static String envValue(Deployment deployment, String name) {
    return env(deployment, name)
        .map(EnvVar::getValue)
        .orElseThrow(
            () -> new AssertionError(name + " not set on " + deployment.getMetadata().getName()));
  }

  /** Rules of every Role and ClusterRole with this name, in any namespace. */
  List<PolicyRule> rules(String roleName) {
    List<PolicyRule> rules = new ArrayList<>();
    all(Role.class).stream()
        .filter(r -> roleName.equals(r.getMetadata().getName()))
        .forEach(r -> rules.addAll(r.getRules()));
    all(ClusterRole.class).stream()
        .filter(r -> roleName.equals(r.getMetadata().getName()))
        .forEach(r -> rules.addAll(r.getRules()));
    return rules;
  }
}
