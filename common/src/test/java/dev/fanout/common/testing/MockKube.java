package dev.fanout.common.testing;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * fabric8's mock API server in CRUD mode with the project's real CRD created first, so the Job's
 * status subresource behaves as on a real server (see TESTING.md for what the mock lacks).
 */
public final class MockKube implements AutoCloseable {
  // The mock logs every request through java.util.logging; keep test output readable.
  private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockKube() {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    client = newClient();
    client.apiextensions().v1().customResourceDefinitions().resource(Job.crd()).create();
  }

  public KubernetesClient client() {
    return client;
  }

  /** A new client of its own, as another program would have. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  public Config config() {
    Config config = server.createClient().getConfiguration();
    return config;
  }

  /** A kubeconfig file other processes can use to reach this server. */
  public Path writeKubeconfig(Path file) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        contexts:
        - name: mock
          context:
            cluster: mock
            namespace: default
            user: mock
        current-context: mock
        users:
        - name: mock
          user:
            token: mock
        """
            .formatted(config().getMasterUrl());
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
