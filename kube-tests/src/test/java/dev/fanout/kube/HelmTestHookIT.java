package dev.fanout.kube;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.Job;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code helm test} on a real API server, and the program it runs. No kubelet runs the hook's Pod
 * here, so {@code helm test} cannot pass: it shows the objects Helm creates for it and what their
 * account may do. The program itself then runs as a process with that account's token, against the
 * operator and a worker (the built jars, with the chart's accounts): it fails, naming the missing
 * workers, while none runs, and passes once one does. Last, the Grafana dashboard the chart ships
 * is checked against what the running programs really export on /metrics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmTestHookIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String RELEASE = "smoke";
  private static final String NS = "smoke-system";
  private static final String OTHER_NS = "team-b";
  private static final String SMOKE_TEST = "smoke-test";
  private static final Pattern METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");

  private static int queuePort;
  private static ChildProcess operator;
  private static ChildProcess worker;

  @BeforeAll
  static void install() {
    kube.createNamespace(NS);
    kube.createNamespace(OTHER_NS);
    kube.helm().run("install", RELEASE, "helm/fanout", "--namespace", NS).outOrFail();
  }

  @AfterAll
  static void stopProcesses() {
    if (worker != null) {
      worker.stop(Duration.ofSeconds(40));
    }
    if (operator != null) {
      operator.stop(Duration.ofSeconds(40));
    }
  }

  /**
   * The release's object of this kind and component, or null (names depend on the chart's naming).
   */
  private static <T extends HasMetadata> T find(Class<T> type, String component) {
    List<T> found =
        kube.client()
            .resources(type)
            .inNamespace(NS)
            .withLabel("app.kubernetes.io/instance", RELEASE)
            .withLabel("app.kubernetes.io/component", component)
            .list()
            .getItems();
    assertThat(found).as("%s %s", type.getSimpleName(), component).hasSizeLessThanOrEqualTo(1);
    return found.isEmpty() ? null : found.getFirst();
  }

  /** What the chart renders for {@code helm test}: the hook's ServiceAccount, RBAC and Pod. */
  private static List<HasMetadata> renderedHook() {
    String yaml =
        kube.helm()
            .run(
                "template",
                RELEASE,
                "helm/fanout",
                "--namespace",
                NS,
                "--show-only",
                "templates/tests/smoke-test.yaml")
            .outOrFail();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        objects.add(Serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return objects;
  }

  private static <T extends HasMetadata> T rendered(Class<T> type) {
    return renderedHook().stream()
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst()
        .orElseThrow();
  }

  private static String smokeTestUser() {
    return "system:serviceaccount:"
        + NS
        + ":"
        + rendered(ServiceAccount.class).getMetadata().getName();
  }

  /**
   * The hook's account and RBAC, as the chart renders them, for the program to run with: Helm
   * deletes each hook object that succeeded (Helm 4 even when the Pod then fails).
   */
  private static void ensureHookAccount() {
    for (HasMetadata o : renderedHook()) {
      if (!(o instanceof Pod)) {
        kube.client().resource(o).createOr(existing -> existing.update());
      }
    }
  }

  @Test
  @Order(1)
  void helmTestCreatesTheHookPodWithAnAccountThatMayDoWhatTheSmokeTestDoesAndNothingMore()
      throws Exception {
    assertThat(kube.kubectl().run("get", "pods", "-n", NS).err())
        .as("install creates no test pod")
        .contains("No resources found");

    List<String> output = new ArrayList<>();
    try (Cli.Streaming test =
        kube.helm().stream("test", RELEASE, "--namespace", NS, "--timeout", "40s")) {
      // Helm creates the account and its RBAC, then the Pod, and waits for the Pod to end.
      Pod pod =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> find(Pod.class, SMOKE_TEST), java.util.Objects::nonNull);
      checkHookPod(pod);
      checkHookAccount();
      String line;
      while ((line = test.next(Duration.ofSeconds(60))) != null) {
        output.add(line);
      }
    }
    System.out.println("helm test without a kubelet:\n  " + String.join("\n  ", output));
    assertThat(output).as("no kubelet runs the pod").anyMatch(l -> l.contains("Error:"));
    assertThat(find(Pod.class, SMOKE_TEST))
        .as("a failed test's Pod stays, for its log")
        .isNotNull();
  }

  private static void checkHookPod(Pod pod) {
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry("helm.sh/hook", "test")
        .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded");
    Container c = pod.getSpec().getContainers().getFirst();
    Container operatorContainer =
        find(Deployment.class, "operator")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .getFirst();
    assertThat(c.getImage()).isEqualTo(operatorContainer.getImage());
    assertThat(c.getCommand())
        .containsSubsequence("java", "-cp", "@/app/jib-classpath-file")
        .endsWith("dev.fanout.operator.smoke.SmokeTest");
    SecurityContext sc = c.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getStatus().getPhase()).as("nothing runs it here").isEqualTo("Pending");
    assertThat("system:serviceaccount:" + NS + ":" + pod.getSpec().getServiceAccountName())
        .isEqualTo(smokeTestUser());
  }

  /** The hook's Role and RoleBinding as Helm created them, and what the account may do. */
  private static void checkHookAccount() {
    assertThat(find(ServiceAccount.class, SMOKE_TEST)).isNotNull();
    Role role = find(Role.class, SMOKE_TEST);
    assertThat(role.getRules())
        .containsExactly(
            new PolicyRuleBuilder()
                .withApiGroups("fanout.dev")
                .withResources("jobs")
                .withVerbs("create", "get", "delete")
                .build());
    RoleBinding binding = find(RoleBinding.class, SMOKE_TEST);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s ->
                assertThat("system:serviceaccount:" + s.getNamespace() + ":" + s.getName())
                    .isEqualTo(smokeTestUser()));

    String as = smokeTestUser();
    for (String verb : List.of("create", "get", "delete")) {
      assertThat(canI(verb, "jobs.fanout.dev", "-n", NS, "--as", as)).as(verb).isTrue();
    }
    for (String verb : List.of("list", "watch", "update", "patch", "deletecollection")) {
      assertThat(canI(verb, "jobs.fanout.dev", "-n", NS, "--as", as)).as(verb).isFalse();
    }
    assertThat(canI("patch", "jobs.fanout.dev", "--subresource=status", "-n", NS, "--as", as))
        .isFalse();
    assertThat(canI("create", "jobs.fanout.dev", "-n", OTHER_NS, "--as", as))
        .as("another namespace")
        .isFalse();
    assertThat(canI("get", "jobs.fanout.dev", "-n", "default", "--as", as)).isFalse();
    assertThat(canI("get", "secrets", "-n", NS, "--as", as)).isFalse();
    assertThat(canI("create", "pods", "-n", NS, "--as", as)).isFalse();
    assertThat(canI("create", "jobs.batch", "-n", NS, "--as", as)).isFalse();
  }

  private static boolean canI(String... args) {
    List<String> command = new ArrayList<>(List.of("auth", "can-i"));
    command.addAll(List.of(args));
    Cli.Result result = kube.kubectl().run(command, null);
    assertThat(result.out().strip()).as(result.toString()).isIn("yes", "no");
    return result.out().strip().equals("yes");
  }

  @Test
  @Order(3)
  void withoutWorkersTheSmokeTestFailsNamingThemAndLeavesNoJob() throws Exception {
    startOperator();

    SmokeRun run = runSmokeTest(Map.of("FANOUT_SMOKE_TIMEOUT_SECONDS", "10"));

    assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
    assertThat(run.output())
        .contains("Created Job " + NS + "/fanout-smoke-")
        .containsPattern("FAILED: Job " + NS + "/fanout-smoke-\\S+ did not complete within 10 s")
        .contains("no task finished: are workers of pool \"default\" running")
        .contains("Deleted Job " + NS + "/fanout-smoke-");
    assertThat(jobs()).as("the smoke test's Jobs left behind").isEmpty();
  }

  @Test
  @Order(4)
  void withAWorkerTheSmokeTestPassesAndLeavesNoJob() throws Exception {
    startOperator();
    startWorker();

    SmokeRun run = runSmokeTest(Map.of());

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("waiting up to 120 s")
        .containsPattern("PASSED: Job " + NS + "/fanout-smoke-\\S+ Complete: ")
        .contains("Deleted Job " + NS + "/fanout-smoke-");
    assertThat(jobs()).isEmpty();
  }

  @Test
  @Order(5)
  void everyMetricTheDashboardQueriesIsOnTheRunningProgramsMetrics() throws Exception {
    startOperator();
    startWorker();
    kube.helm()
        .run(
            "upgrade",
            RELEASE,
            "helm/fanout",
            "--namespace",
            NS,
            "--reuse-values",
            "--set",
            "dashboard.enabled=true",
            // The pool scales itself, so that the operator exports its desired replicas too.
            "--set",
            "pools[0].name=default",
            "--set",
            "pools[0].autoscaling.enabled=true")
        .outOrFail();
    List<ConfigMap> maps =
        kube.client()
            .configMaps()
            .inNamespace(NS)
            .withLabel("grafana_dashboard", "1")
            .list()
            .getItems();
    assertThat(maps).hasSize(1);
    JsonNode dashboard = new ObjectMapper().readTree(maps.getFirst().getData().get("fanout.json"));

    Set<String> used = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        Matcher m = METRIC.matcher(target.path("expr").asText());
        while (m.find()) {
          used.add(m.group(1));
        }
      }
    }
    System.out.println("The dashboard queries " + used);
    assertThat(used).hasSizeGreaterThan(10);
    // The operator watches the pool's Deployment once the upgrade's Role lets it (it tries every
    // 10 s), and exports the pool's desired replicas from then on.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(exported())
                    .as("the operator's and the worker's /metrics")
                    .containsAll(used));
  }

  private static Set<String> exported() throws Exception {
    Set<String> exported = new TreeSet<>();
    for (ChildProcess process : List.of(operator, worker)) {
      for (String line : process.get("/metrics").body().lines().toList()) {
        if (!line.startsWith("#") && !line.isBlank()) {
          exported.add(line.split("[{ ]", 2)[0]);
        }
      }
    }
    return exported;
  }

  private static List<Job> jobs() {
    return kube.client().resources(Job.class).inNamespace(NS).list().getItems();
  }

  /** A kubeconfig with a token of the release's ServiceAccount of this component. */
  private static Path kubeconfigOf(String component) throws IOException {
    String account = find(ServiceAccount.class, component).getMetadata().getName();
    return kube.kubeconfigOfAccount(account, NS, NS);
  }

  private static void startOperator() throws Exception {
    if (operator != null) {
      return;
    }
    queuePort = FanoutProcesses.freePorts(1)[0];
    operator =
        FanoutJars.startReady(
            kube,
            "operator",
            FanoutJars.OPERATOR,
            Map.ofEntries(
                entry("KUBECONFIG", kubeconfigOf("operator").toString()),
                entry("POD_NAMESPACE", NS),
                entry("FANOUT_DB_URL", "jdbc:h2:file:" + kube.dir().resolve("db/fanout")),
                entry("FANOUT_SQS_EMBEDDED", "true"),
                entry("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(queuePort))));
  }

  private static void startWorker() throws Exception {
    if (worker != null) {
      return;
    }
    worker =
        FanoutJars.startReady(
            kube,
            "worker",
            FanoutJars.WORKER,
            Map.ofEntries(
                entry("KUBECONFIG", kubeconfigOf("worker").toString()),
                entry("AWS_ENDPOINT_URL_SQS", "http://localhost:" + queuePort),
                entry("FANOUT_RECEIVE_WAIT_SECONDS", "3")));
  }

  record SmokeRun(int exitCode, String output) {}

  /**
   * Runs the hook's program as its Pod would: the main class from the operator's classpath, the
   * environment the chart gave the hook's container (with {@code overrides}), the token of the
   * hook's own ServiceAccount.
   */
  private static SmokeRun runSmokeTest(Map<String, String> overrides) throws Exception {
    Map<String, String> env = ChildProcess.strippedEnvironment(System.getenv());
    ensureHookAccount();
    for (EnvVar var : rendered(Pod.class).getSpec().getContainers().getFirst().getEnv()) {
      env.put(var.getName(), var.getValue());
    }
    env.putAll(overrides);
    env.put("KUBECONFIG", kubeconfigOf(SMOKE_TEST).toString());
    Path out = Files.createTempFile(kube.dir(), "smoke-test", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                FanoutJars.jar(FanoutJars.OPERATOR).toString(),
                "dev.fanout.operator.smoke.SmokeTest")
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("the smoke test ran on after 180 s:\n" + Files.readString(out));
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println("SmokeTest exited with " + process.exitValue() + ":\n" + output);
    return new SmokeRun(process.exitValue(), output);
  }
}
