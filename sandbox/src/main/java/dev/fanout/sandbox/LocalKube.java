package dev.fanout.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The sandbox's Kubernetes API, with the Job CRD installed: a real kube-apiserver and etcd, or
 * fabric8's mock server. Other processes reach it through the kubeconfig it writes.
 */
interface LocalKube extends AutoCloseable {

  /**
   * Starts the API server {@code choice} asks for; {@code say} hears why auto chose the mock and
   * how to get a real one.
   */
  static LocalKube start(ControlPlane choice, Consumer<String> say) {
    return switch (choice) {
      case MOCK -> new MockApiServer();
      case REAL -> RealApiServer.start(false);
      case AUTO -> {
        String missing = RealApiServer.missingBinaries();
        if (missing == null) {
          yield RealApiServer.start(true);
        }
        say.accept("fabric8's mock API server: " + missing + ".\n" + RealApiServer.HOW_TO_GET_ONE);
        yield new MockApiServer();
      }
    };
  }

  KubernetesClient client();

  /** Where it listens and what it is, for the run's header. */
  String describe();

  /** Whether kubectl can work with it (the plain CRUD mock answers no discovery requests). */
  boolean kubectlWorks();

  /** A kubeconfig for the child processes and for tools. */
  Path writeKubeconfig(Path file) throws IOException;

  @Override
  void close();

  /** Which API server a run uses: {@code --control-plane auto|real|mock}. */
  enum ControlPlane {
    AUTO,
    REAL,
    MOCK;

    static ControlPlane parse(String value) {
      for (ControlPlane c : values()) {
        if (c.name().equalsIgnoreCase(value.trim())) {
          return c;
        }
      }
      throw new SandboxOptions.UsageException(
          "--control-plane must be auto, real or mock, was \"" + value + "\"");
    }
  }
}
