package dev.fanout.kube;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.ExampleManifests;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd + kube-apiserver (kube-api-test, offline, binaries from scripts/control-plane.sh) for a
 * test class, with an admin kubeconfig, kubectl and helm pointed at it. Register it as a static
 * {@code @RegisterExtension} field: it starts before the first test and stops after the last.
 *
 * <p>Without the binaries the class is skipped with a message saying how to get them, unless {@code
 * FANOUT_REQUIRE_CONTROL_PLANE=1}: then it fails.
 */
final class ControlPlane implements ExecutionCondition, BeforeAllCallback, AfterAllCallback {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Records every request of a service account (user group system:serviceaccounts). */
  private static final String AUDIT_POLICY =
      """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
        - level: Metadata
          userGroups: ["system:serviceaccounts"]
        - level: None
      """;

  private final Binaries binaries = Binaries.locate();
  private final boolean auditLog;
  private Path dir;
  private KubeAPIServer server;
  private KubernetesClient client;
  private Path kubeconfig;
  private Cli kubectl;
  private Cli helm;

  private ControlPlane(boolean auditLog) {
    this.auditLog = auditLog;
  }

  static ControlPlane create() {
    return new ControlPlane(false);
  }

  /** One that writes an audit log of the service accounts' requests ({@link #auditEvents}). */
  static ControlPlane withAuditLog() {
    return new ControlPlane(true);
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (binaries.missing().isEmpty() || Binaries.required()) {
      return ConditionEvaluationResult.enabled("control plane binaries in " + binaries.dir());
    }
    String reason =
        binaries.absenceMessage() + "; " + Binaries.REQUIRE + "=1 turns this skip into a failure";
    if (context.getTestMethod().isEmpty()) {
      log.warn("Skipping {}: {}", context.getRequiredTestClass().getSimpleName(), reason);
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    if (!binaries.missing().isEmpty()) {
      throw new AssertionError(binaries.absenceMessage() + " (" + Binaries.REQUIRE + "=1)");
    }
    dir = Path.of("target", "kube-api", context.getRequiredTestClass().getSimpleName());
    dir = dir.toAbsolutePath();
    deleteRecursively(dir);
    Files.createDirectories(dir.resolve("tmp"));
    // kube-api-test finds the binaries in <dir>/k8s and writes its certificates into <dir>:
    // a directory per class keeps concurrent runs (other worktrees, the sandbox) apart.
    Files.createDirectories(binaries.k8s());
    Files.createSymbolicLink(dir.resolve("k8s"), binaries.k8s().toAbsolutePath());
    KubeAPIServerConfigBuilder config =
        KubeAPIServerConfigBuilder.anAPIServerConfig()
            .withTestDir(dir.toString())
            .withApiServerVersion(Binaries.VERSION)
            .withOfflineMode(!Binaries.download())
            .withStartupTimeout(120_000)
            .withApiServerFlag("--bind-address", "127.0.0.1");
    if (auditLog) {
      Path policy = Files.writeString(dir.resolve("audit-policy.yaml"), AUDIT_POLICY);
      config
          .withApiServerFlag("--audit-policy-file", policy.toString())
          .withApiServerFlag("--audit-log-path", auditLogPath().toString());
    }
    long t0 = System.nanoTime();
    server = new KubeAPIServer(config.build());
    server.start();
    String yaml = server.getKubeConfigYaml();
    kubeconfig = Files.writeString(dir.resolve("kubeconfig"), yaml);
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
    kubectl = kubectlWith(kubeconfig);
    helm =
        new Cli(
            binaries.helm(),
            Map.of(
                "KUBECONFIG", kubeconfig.toString(),
                "HELM_CACHE_HOME", dir.resolve("helm/cache").toString(),
                "HELM_CONFIG_HOME", dir.resolve("helm/config").toString(),
                "HELM_DATA_HOME", dir.resolve("helm/data").toString()),
            repositoryRoot(),
            dir.resolve("tmp"));
    log.info(
        "API server for {} ready in {} ms; kubeconfig {}",
        context.getRequiredTestClass().getSimpleName(),
        (System.nanoTime() - t0) / 1_000_000,
        kubeconfig);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  static Path repositoryRoot() {
    return ExampleManifests.examplesDir().getParent();
  }

  Path dir() {
    return dir;
  }

  KubernetesClient client() {
    return client;
  }

  Path kubeconfig() {
    return kubeconfig;
  }

  /** kubectl as the cluster admin, in the repository root. */
  Cli kubectl() {
    return kubectl;
  }

  /** kubectl with another identity. */
  Cli kubectlWith(Path kubeconfig) {
    return new Cli(
        binaries.kubectl(),
        Map.of(
            "KUBECONFIG", kubeconfig.toString(),
            // Its own discovery cache: a shared one would not know this server's CRDs yet.
            "KUBECACHEDIR", dir.resolve("kube-cache").toString()),
        repositoryRoot(),
        dir.resolve("tmp"));
  }

  /**
   * kubectl as the cluster admin with the repository root on its PATH, so that {@code kubectl
   * fanout} runs ./kubectl-fanout (and completion ./kubectl_complete-fanout), as for a user.
   */
  Cli kubectlWithPlugins() {
    return kubectlWithPlugins(kubeconfig, Map.of());
  }

  /** As {@link #kubectlWithPlugins()}, with another identity and more of the environment. */
  Cli kubectlWithPlugins(Path kubeconfig, Map<String, String> env) {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("KUBECONFIG", kubeconfig.toString());
    all.put("KUBECACHEDIR", dir.resolve("kube-cache").toString());
    all.put("PATH", repositoryRoot() + java.io.File.pathSeparator + System.getenv("PATH"));
    return new Cli(binaries.kubectl(), all, repositoryRoot(), dir.resolve("tmp"));
  }

  /** helm as the cluster admin, in the repository root. */
  Cli helm() {
    return helm;
  }

  /**
   * {@code helm install fanout helm/fanout} into {@code namespace} with these {@code --set} values;
   * the CRD is left to {@link #installCrd()}, as a cluster whose CRD is applied apart.
   */
  void installChart(String namespace, String... sets) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "install",
                "fanout",
                "helm/fanout",
                "--namespace",
                namespace,
                "--set",
                "crds.install=false"));
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    helm.run(args, null).outOrFail();
  }

  /** {@code kubectl apply -f crds/}, then waits until the API server serves the Job resource. */
  Cli.Result installCrd() {
    Cli.Result applied = kubectl.run("apply", "-f", "crds/");
    applied.outOrFail();
    kubectl
        .run("wait", "--for=condition=Established", "crd/jobs.fanout.dev", "--timeout=60s")
        .outOrFail();
    return applied;
  }

  void createNamespace(String name) {
    kubectl.run("create", "namespace", name).outOrFail();
  }

  /**
   * A kubeconfig with a fresh token ({@code kubectl create token}, 2 h) of that ServiceAccount, as
   * its pods would get, its context in {@code namespace}.
   */
  Path kubeconfigOfAccount(String account, String accountNamespace, String namespace)
      throws IOException {
    String token =
        kubectl
            .run("create", "token", account, "-n", accountNamespace, "--duration=2h")
            .outOrFail()
            .strip();
    return kubeconfigWithToken(account, token, namespace);
  }

  /**
   * A ServiceAccount {@code account} in {@code namespace} that may do {@code verbs} (e.g. {@code
   * "get,list,watch"}) on Fanout Jobs there, and nothing else: a user of Fanout, by a Role and a
   * RoleBinding of the account's name.
   */
  void fanoutUser(String account, String namespace, String verbs) {
    kubectl.run("create", "serviceaccount", account, "-n", namespace).outOrFail();
    kubectl
        .run(
            "create",
            "role",
            account,
            "-n",
            namespace,
            "--verb=" + verbs,
            "--resource=jobs.fanout.dev")
        .outOrFail();
    kubectl
        .run(
            "create",
            "rolebinding",
            account,
            "-n",
            namespace,
            "--role=" + account,
            "--serviceaccount=" + namespace + ":" + account)
        .outOrFail();
  }

  /** Waits, 60 s at most, until the Job is in that phase. */
  void awaitPhase(String namespace, String name, JobPhase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Job job = client().resources(Job.class).inNamespace(namespace).withName(name).get();
              return job != null && job.getStatus() != null && job.getStatus().getPhase() == phase;
            });
  }

  /**
   * A kubeconfig that authenticates with a bearer token (a service account's, from {@code kubectl
   * create token}), trusting this API server's certificate.
   */
  Path kubeconfigWithToken(String name, String token, String namespace) throws IOException {
    Config admin = Config.fromKubeconfig(Files.readString(kubeconfig));
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: kube-api-test
            cluster:
              server: %s
              certificate-authority: %s
        users:
          - name: %s
            user:
              token: %s
        contexts:
          - name: %s
            context:
              cluster: kube-api-test
              user: %s
              namespace: %s
        current-context: %s
        """
            .formatted(
                admin.getMasterUrl(),
                admin.getCaCertFile(),
                name,
                token,
                name,
                name,
                namespace,
                name);
    Path file = dir.resolve(name + ".kubeconfig");
    Files.writeString(file, yaml);
    return file;
  }

  /** The API server's own Prometheus metrics, now. */
  ApiServerMetrics metrics() {
    return ApiServerMetrics.parse(client.raw("/metrics"));
  }

  Path auditLogPath() {
    return dir.resolve("audit.log");
  }

  /** The audit log so far: one event per request of a service account. */
  List<JsonNode> auditEvents() throws IOException {
    if (!auditLog) {
      throw new IllegalStateException("this control plane writes no audit log");
    }
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(auditLogPath())) {
      if (!line.isBlank()) {
        events.add(JSON.readTree(line));
      }
    }
    return events;
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
