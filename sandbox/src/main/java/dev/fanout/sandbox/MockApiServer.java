package dev.fanout.sandbox;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Utils;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * fabric8's mock server in CRUD mode, plain HTTP on a free local port, with the real Job CRD
 * created first so the status subresource behaves as on a real server. It checks no schema or CEL
 * rule and answers no discovery requests, so kubectl cannot use it. The benchmark runs its operator
 * and workers against one too.
 */
public final class MockApiServer implements LocalKube {
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final String url;

  public MockApiServer() {
    randomizeUids();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    client = server.createClient();
    url = client.getConfiguration().getMasterUrl();
    client.apiextensions().v1().customResourceDefinitions().resource(Job.crd()).create();
  }

  /**
   * The mock numbers the UIDs it gives from 1 in every JVM ({@code Utils.generateId()}), so each
   * run's first Job would have UID ...0001, and a database that outlives a run (PostgreSQL, a
   * reused {@code --dir}) would hand it the task rows of an earlier run's Job. A random start makes
   * them unique, as a real API server's are.
   */
  private static void randomizeUids() {
    try {
      Field counter = Utils.class.getDeclaredField("leastSigBits");
      counter.setAccessible(true);
      ((AtomicLong) counter.get(null)).set(new SecureRandom().nextLong() >>> 1);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot make the mock API server's UIDs unique (fabric8 changed?): " + e, e);
    }
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public String describe() {
    return url + " (fabric8 mock, CRUD, Job CRD)";
  }

  @Override
  public boolean kubectlWorks() {
    return false;
  }

  @Override
  public Path writeKubeconfig(Path file) throws IOException {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fanout-sandbox
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        contexts:
        - name: fanout-sandbox
          context:
            cluster: fanout-sandbox
            namespace: default
            user: fanout-sandbox
        current-context: fanout-sandbox
        users:
        - name: fanout-sandbox
          user:
            token: fanout-sandbox
        """
            .formatted(url);
    Files.writeString(file, yaml);
    return file;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
