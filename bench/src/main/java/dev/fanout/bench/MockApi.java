package dev.fanout.bench;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * The benchmark's Kubernetes API: fabric8's mock server in CRUD mode with the real Job CRD, as the
 * sandbox runs it, reached by the operator and worker processes through a kubeconfig.
 */
final class MockApi implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  MockApi() {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    client = server.createClient();
    client.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
  }

  private static CustomResourceDefinition crd() {
    String resource = "/META-INF/fabric8/" + Job.CRD_NAME + "-v1.yml";
    try (InputStream in = Job.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the Job CRD " + resource + " is not on the classpath");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  KubernetesClient client() {
    return client;
  }

  String url() {
    return client.getConfiguration().getMasterUrl();
  }

  Path writeKubeconfig(Path file) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: bench
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        contexts:
        - name: bench
          context:
            cluster: bench
            namespace: default
            user: bench
        current-context: bench
        users:
        - name: bench
          user:
            token: bench
        """
            .formatted(url()));
    return file;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
