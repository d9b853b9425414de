package dev.fanout.sandbox;

import dev.fanout.api.Job;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd, run as local processes by fabric8's kube-api-test from the
 * binaries {@code scripts/control-plane.sh} provisions (or, with internet, kube-api-test
 * downloads). The CRD's schema and CEL rules apply, kubectl works, and so does {@code kubectl get
 * fjob -w} from another terminal.
 */
final class RealApiServer implements LocalKube {
  private static final int STARTUP_TIMEOUT_MS = 120_000;

  private final KubeAPIServer server;
  private final String kubeconfigYaml;
  private final KubernetesClient client;

  private RealApiServer(KubeAPIServer server) {
    this.server = server;
    this.kubeconfigYaml = server.getKubeConfigYaml();
    this.client =
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
  }

  /** Where kube-api-test keeps its binaries: the same place scripts/control-plane.sh puts them. */
  static Path binariesDir() {
    String dir = System.getenv("FANOUT_KUBEAPITEST_DIR");
    return dir == null || dir.isBlank()
        ? Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME)
        : Path.of(dir);
  }

  /** Null when some {@code <dir>/k8s/<version>-<os>-<arch>/} holds etcd and kube-apiserver. */
  static String missingBinaries() {
    Path k8s = binariesDir().resolve("k8s");
    if (Files.isDirectory(k8s)) {
      try (Stream<Path> versions = Files.list(k8s)) {
        if (versions.anyMatch(
            v ->
                Files.isExecutable(v.resolve("kube-apiserver"))
                    && Files.isExecutable(v.resolve("etcd")))) {
          return null;
        }
      } catch (IOException e) {
        return "cannot list " + k8s + ": " + e.getMessage();
      }
    }
    return "no kube-apiserver and etcd under " + k8s;
  }

  /** How to get a real API server, and what it changes, for a run that falls back to the mock. */
  static final String HOW_TO_GET_ONE =
      """
      For a real API server: scripts/control-plane.sh builds them once
      (needs Go 1.25+; about 20 min on 2 cores), or --control-plane real
      downloads them (needs internet). With it, kubectl works with the
      kubeconfig (kubectl get fjob -w), and the CRD's schema and CEL
      rules check each Job; the mock does neither.""";

  /**
   * Starts etcd and kube-apiserver and installs the Job CRD.
   *
   * @param offline whether to use only the binaries at hand; otherwise kube-api-test downloads what
   *     is missing
   */
  static RealApiServer start(boolean offline) {
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(binariesDir().toString())
                .withOfflineMode(offline)
                .withStartupTimeout(STARTUP_TIMEOUT_MS)
                .build());
    try {
      server.start();
    } catch (RuntimeException e) {
      server.stop();
      throw new SandboxException(
          "cannot start kube-apiserver and etcd from "
              + binariesDir()
              + " ("
              + e.getMessage()
              + "); provision them with scripts/control-plane.sh, or run with --control-plane"
              + " mock",
          e);
    }
    RealApiServer api = new RealApiServer(server);
    try {
      api.installCrd();
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    return api;
  }

  private void installCrd() {
    CustomResourceDefinition crd = Job.crd();
    client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(Job.CRD_NAME)
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            cond ->
                                "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus())),
            60,
            TimeUnit.SECONDS);
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public String describe() {
    return client.getConfiguration().getMasterUrl() + " (kube-apiserver and etcd, Job CRD)";
  }

  @Override
  public boolean kubectlWorks() {
    return true;
  }

  @Override
  public Path writeKubeconfig(Path file) throws IOException {
    Files.writeString(file, kubeconfigYaml);
    return file;
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
