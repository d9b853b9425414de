package dev.fanout.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Where the operator's console answers: the URL given ({@code --console-url}, {@code
 * $FANOUT_CONSOLE_URL}), else a port-forward through the API server to a ready operator pod, closed
 * with this. A port-forward and not the API server's service proxy: the API server removes the
 * Authorization header once it has authenticated a request (docs/cli.md), so a proxied request
 * would reach the console without the user's token.
 */
final class ConsoleEndpoint implements AutoCloseable {
  static final String COMPONENT_LABEL = "app.kubernetes.io/component";
  static final String DEFAULT_OPERATOR_NAMESPACE = "fanout";
  static final int DEFAULT_CONSOLE_PORT = 8090;

  private final URI uri;
  private final LocalPortForward forward;

  private ConsoleEndpoint(URI uri, LocalPortForward forward) {
    this.uri = uri;
    this.forward = forward;
  }

  URI uri() {
    return uri;
  }

  static ConsoleEndpoint open(ConsoleOptions options, Map<String, String> env, Kube kube) {
    String given =
        options.consoleUrl != null ? options.consoleUrl : env.get(ConsoleOptions.URL_VARIABLE);
    if (given != null && !given.isBlank()) {
      URI uri;
      try {
        uri = URI.create(given.endsWith("/") ? given : given + "/");
      } catch (IllegalArgumentException e) {
        throw new FanoutCommand.UsageError("the console URL " + given + " is not a URL");
      }
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new FanoutCommand.UsageError(
            "the console URL " + given + " is not an http(s) URL such as http://localhost:8090");
      }
      return new ConsoleEndpoint(uri, null);
    }
    Pod pod = operatorPod(kube, options.operatorNamespace);
    int port = consolePort(pod);
    LocalPortForward forward;
    try {
      forward =
          kube.client()
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .portForward(port);
    } catch (KubernetesClientException e) {
      throw new TaskApi.Unreachable(
          "cannot port-forward to pod "
              + pod.getMetadata().getNamespace()
              + "/"
              + pod.getMetadata().getName()
              + ": "
              + ApiErrors.describe(e),
          e);
    }
    return new ConsoleEndpoint(
        URI.create("http://127.0.0.1:" + forward.getLocalPort() + "/"), forward);
  }

  /** A ready operator pod: in the namespace given, else any the user can list, else fanout. */
  static Pod operatorPod(Kube kube, String namespace) {
    List<Pod> pods;
    String where;
    if (namespace != null) {
      pods = operatorPods(kube, namespace);
      where = "namespace " + namespace;
    } else {
      try {
        pods =
            kube.client()
                .pods()
                .inAnyNamespace()
                .withLabel(COMPONENT_LABEL, "operator")
                .list()
                .getItems();
        where = "any namespace";
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403) {
          throw e;
        }
        pods = operatorPods(kube, DEFAULT_OPERATOR_NAMESPACE);
        where = "namespace " + DEFAULT_OPERATOR_NAMESPACE;
      }
    }
    String searched = where;
    return pods.stream()
        .filter(ConsoleEndpoint::isFanout)
        .filter(ConsoleEndpoint::isReady)
        .findFirst()
        .orElseThrow(
            () ->
                new TaskApi.Unreachable(
                    "no ready Fanout operator pod (label "
                        + COMPONENT_LABEL
                        + "=operator) in "
                        + searched
                        + ": give --operator-namespace, or --console-url",
                    null));
  }

  private static List<Pod> operatorPods(Kube kube, String namespace) {
    return kube.client()
        .pods()
        .inNamespace(namespace)
        .withLabel(COMPONENT_LABEL, "operator")
        .list()
        .getItems();
  }

  /** Another project's operator may carry the same component label. */
  static boolean isFanout(Pod pod) {
    String name = pod.getMetadata().getLabels().getOrDefault("app.kubernetes.io/name", "");
    return name.contains("fanout")
        || pod.getSpec().getContainers().stream()
            .anyMatch(c -> c.getImage() != null && c.getImage().contains("fanout"));
  }

  static boolean isReady(Pod pod) {
    if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
      return false;
    }
    List<PodCondition> conditions = pod.getStatus().getConditions();
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** FANOUT_CONSOLE_PORT as the pod's operator container sets it, else 8090. */
  static int consolePort(Pod pod) {
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getEnv() == null) {
        continue;
      }
      for (EnvVar v : c.getEnv()) {
        if ("FANOUT_CONSOLE_PORT".equals(v.getName()) && v.getValue() != null) {
          try {
            int port = Integer.parseInt(v.getValue().strip());
            if (port == 0) {
              throw new TaskApi.Unreachable(
                  "the operator's console is turned off (FANOUT_CONSOLE_PORT=0 on pod "
                      + pod.getMetadata().getName()
                      + ")",
                  null);
            }
            return port;
          } catch (NumberFormatException e) {
            // the operator itself refuses such a value; try the default
          }
        }
      }
    }
    return DEFAULT_CONSOLE_PORT;
  }

  @Override
  public void close() {
    if (forward != null) {
      try {
        forward.close();
      } catch (IOException e) {
        // the process is ending anyway
      }
    }
  }
}
