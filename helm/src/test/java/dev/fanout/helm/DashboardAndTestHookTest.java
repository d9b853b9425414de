package dev.fanout.helm;

import static dev.fanout.helm.RenderedChart.NAMESPACE;
import static dev.fanout.helm.RenderedChart.container;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Grafana dashboard's ConfigMap and the {@code helm test} hook, as {@code helm template}
 * renders them.
 */
class DashboardAndTestHookTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SMOKE_TEST = "smoke-test";

  /** A metric in a PromQL expression: a name right before its label selector. */
  private static final Pattern METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");

  /** What Micrometer's Prometheus registry appends to a meter's name. */
  private static final Pattern PROMETHEUS_SUFFIX =
      Pattern.compile("(_seconds)?(_total|_bucket|_count|_sum|_max)?$");

  /** Metrics of Micrometer's binders, by the binder both programs bind. */
  private static final Map<String, String> BINDER_METRICS =
      Map.of(
          "jvm_memory_used_bytes", "JvmMemoryMetrics",
          "process_cpu_usage", "ProcessorMetrics",
          "system_cpu_count", "ProcessorMetrics");

  private static RenderedChart withDashboard(Map<String, Object> more) {
    Map<String, Object> sets = new LinkedHashMap<>(more);
    sets.put("dashboard.enabled", "true");
    return RenderedChart.render(List.of(), sets);
  }

  private static JsonNode dashboardOf(ConfigMap map) throws IOException {
    assertThat(map.getData()).containsOnlyKeys("fanout.json");
    return JSON.readTree(map.getData().get("fanout.json"));
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(p -> panels.add(p));
    return panels.stream().filter(p -> !p.path("type").asText().equals("row")).toList();
  }

  private static List<String> expressions(JsonNode dashboard) {
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : panels(dashboard)) {
      panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
    }
    return exprs;
  }

  private static Set<String> metrics(JsonNode dashboard) {
    Set<String> names = new TreeSet<>();
    for (String expr : expressions(dashboard)) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void theDashboardIsOffByDefault() {
    assertThat(RenderedChart.render().all(ConfigMap.class)).isEmpty();
  }

  @Test
  void enabledItIsAConfigMapWithTheSidecarsLabelHoldingTheDashboard() throws IOException {
    RenderedChart chart = withDashboard(Map.of());

    ConfigMap map = chart.all(ConfigMap.class).getFirst();
    assertThat(chart.all(ConfigMap.class)).hasSize(1);
    assertThat(map.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(map.getMetadata().getLabels())
        .containsEntry("grafana_dashboard", "1")
        .containsEntry("app.kubernetes.io/name", "fanout")
        .containsEntry("app.kubernetes.io/instance", RenderedChart.RELEASE);
    JsonNode dashboard = dashboardOf(map);
    assertThat(dashboard.path("uid").asText()).isEqualTo("fanout");
    assertThat(dashboard.path("title").asText()).isEqualTo("Fanout");
    assertThat(panels(dashboard))
        .extracting(p -> p.path("title").asText())
        .contains(
            "Jobs by phase",
            "Tasks per second, by outcome",
            "Failures",
            "Task duration",
            "Tasks sent and finished per second",
            "Time on the queue",
            "Status writes and conflicts per second");
    assertThat(map.getData().get("fanout.json"))
        .as("the chart's file, as it is")
        .isEqualTo(
            Files.readString(RenderedChart.chartDir().resolve("dashboards/fanout.json")).strip());
  }

  @Test
  void theDataSourceAndTheNamespaceAreVariablesEveryQueryUses() throws IOException {
    JsonNode dashboard = dashboardOf(withDashboard(Map.of()).all(ConfigMap.class).getFirst());

    Map<String, JsonNode> variables = new LinkedHashMap<>();
    dashboard
        .path("templating")
        .path("list")
        .forEach(v -> variables.put(v.path("name").asText(), v));
    assertThat(variables).containsOnlyKeys("datasource", "namespace");
    assertThat(variables.get("datasource").path("type").asText()).isEqualTo("datasource");
    assertThat(variables.get("datasource").path("query").asText()).isEqualTo("prometheus");
    assertThat(variables.get("namespace").path("type").asText()).isEqualTo("query");
    assertThat(variables.get("namespace").path("datasource").path("uid").asText())
        .isEqualTo("${datasource}");

    for (JsonNode panel : panels(dashboard)) {
      String title = panel.path("title").asText();
      assertThat(panel.path("datasource").path("uid").asText())
          .as(title)
          .isEqualTo("${datasource}");
      assertThat(panel.path("targets")).as(title).isNotEmpty();
      panel
          .path("targets")
          .forEach(
              t ->
                  assertThat(t.path("datasource").path("uid").asText())
                      .as(title)
                      .isEqualTo("${datasource}"));
    }
    for (String expr : expressions(dashboard)) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        assertThat(expr.substring(m.end()))
            .as("each selector in %s", expr)
            .startsWith("namespace=~\"$namespace\"");
      }
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsOneTheProgramsExport() throws IOException {
    Set<String> used =
        metrics(dashboardOf(withDashboard(Map.of()).all(ConfigMap.class).getFirst()));
    String sources = programSources();

    assertThat(used).contains("fanout_jobs", "fanout_tasks_total", "fanout_status_conflicts_total");
    for (String metric : used) {
      String binder = BINDER_METRICS.get(metric);
      if (binder != null) {
        assertThat(sources).as(metric).contains("new " + binder + "().bindTo(registry)");
        continue;
      }
      String meter = PROMETHEUS_SUFFIX.matcher(metric).replaceFirst("");
      assertThat(sources)
          .as("%s: a meter named \"%s\" in operator/, worker/ or common/", metric, meter)
          .contains("\"" + meter + "\"");
    }
  }

  /** The Java sources of the operator, the worker and what they share. */
  private static String programSources() throws IOException {
    StringBuilder all = new StringBuilder();
    for (String module : List.of("operator", "worker", "common")) {
      Path dir = RenderedChart.repositoryRoot().resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          all.append(Files.readString(file)).append('\n');
        }
      }
    }
    return all.toString();
  }

  @Test
  void theConfigMapCanGoWhereGrafanaLooksWithItsLabels() {
    ConfigMap map =
        withDashboard(
                Map.of(
                    "dashboard.namespace", "monitoring",
                    "dashboard.labels.grafana_dashboard", "fanout",
                    "dashboard.labels.team", "platform"))
            .all(ConfigMap.class)
            .getFirst();

    assertThat(map.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(map.getMetadata().getLabels())
        .containsEntry("grafana_dashboard", "fanout")
        .containsEntry("team", "platform");
  }

  /** The hook's objects of that type in a render with hooks. */
  private static <T extends HasMetadata> List<T> smokeTest(
      List<HasMetadata> objects, Class<T> type) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(
            o -> SMOKE_TEST.equals(o.getMetadata().getLabels().get("app.kubernetes.io/component")))
        .toList();
  }

  private static Deployment operatorOf(List<HasMetadata> objects) {
    return objects.stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .filter(
            d -> "operator".equals(d.getMetadata().getLabels().get("app.kubernetes.io/component")))
        .findFirst()
        .orElseThrow();
  }

  /** The chart's {@code helm.sh/hook…} annotations of a hook object. */
  private static Map<String, String> hookAnnotations(HasMetadata o) {
    Map<String, String> hook = new LinkedHashMap<>();
    if (o.getMetadata().getAnnotations() != null) {
      o.getMetadata()
          .getAnnotations()
          .forEach(
              (k, v) -> {
                if (k.startsWith(HookRender.PREFIX)) {
                  hook.put(k.substring(HookRender.PREFIX.length()), v);
                }
              });
    }
    return hook;
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> name.equals(e.getName()))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not set"));
  }

  @Test
  void helmTestRunsTheSmokeTestFromTheOperatorsImage() {
    List<HasMetadata> chart = HookRender.render(Map.of());
    Pod pod = smokeTest(chart, Pod.class).getFirst();
    Container operator = container(operatorOf(chart));

    assertThat(smokeTest(chart, Pod.class)).hasSize(1);
    assertThat(pod.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(hookAnnotations(pod))
        .containsOnly(
            Map.entry("helm.sh/hook", "test"),
            Map.entry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded"));
    PodSpec spec = pod.getSpec();
    assertThat(spec.getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getContainers()).hasSize(1);
    Container c = spec.getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo(operator.getImage());
    assertThat(c.getImagePullPolicy()).isEqualTo(operator.getImagePullPolicy());
    assertThat(c.getCommand())
        .as("the main class on the classpath Jib wrote into the image")
        .containsSubsequence("java", "-cp", "@/app/jib-classpath-file")
        .endsWith("dev.fanout.operator.smoke.SmokeTest");
    assertThat(c.getArgs()).isEmpty();
    assertThat(env(c, "FANOUT_SMOKE_NAMESPACE")).isEqualTo(NAMESPACE);
    assertThat(env(c, "FANOUT_SMOKE_POOL")).isEqualTo("default");
    assertThat(env(c, "FANOUT_SMOKE_TIMEOUT_SECONDS")).isEqualTo("120");
    assertThat(spec.getActiveDeadlineSeconds()).isGreaterThan(120L);

    Pod quick =
        smokeTest(HookRender.render(Map.of("tests.timeoutSeconds", "30")), Pod.class).getFirst();
    assertThat(env(quick.getSpec().getContainers().getFirst(), "FANOUT_SMOKE_TIMEOUT_SECONDS"))
        .isEqualTo("30");
  }

  @Test
  void theHookPodIsLockedDownLikeTheOperators() {
    List<HasMetadata> chart = HookRender.render(Map.of());
    PodSpec spec = smokeTest(chart, Pod.class).getFirst().getSpec();
    Deployment operator = operatorOf(chart);
    Container c = spec.getContainers().getFirst();

    assertThat(spec.getSecurityContext())
        .isEqualTo(operator.getSpec().getTemplate().getSpec().getSecurityContext());
    assertThat(c.getSecurityContext()).isEqualTo(container(operator).getSecurityContext());
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getVolumeMounts())
        .anyMatch(m -> "/tmp".equals(m.getMountPath()) && "tmp".equals(m.getName()));
    assertThat(spec.getVolumes())
        .anyMatch(v -> "tmp".equals(v.getName()) && v.getEmptyDir() != null);
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
  }

  @Test
  void theHooksAccountMayCreateReadAndDeleteJobsInItsNamespaceAndNothingElse() {
    List<HasMetadata> chart = HookRender.render(Map.of());
    Pod pod = smokeTest(chart, Pod.class).getFirst();
    ServiceAccount account = smokeTest(chart, ServiceAccount.class).getFirst();
    Role role = smokeTest(chart, Role.class).getFirst();
    RoleBinding binding = smokeTest(chart, RoleBinding.class).getFirst();

    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(account.getMetadata().getName());
    assertThat(account.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(role.getRules())
        .containsExactly(
            new PolicyRuleBuilder()
                .withApiGroups("fanout.dev")
                .withResources("jobs")
                .withVerbs("create", "get", "delete")
                .build());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });
    assertThat(smokeTest(chart, ClusterRole.class)).isEmpty();
    assertThat(smokeTest(chart, ClusterRoleBinding.class)).isEmpty();
    assertThat(
            chart.stream()
                .filter(RoleBinding.class::isInstance)
                .map(RoleBinding.class::cast)
                .filter(
                    b ->
                        b.getSubjects().stream()
                            .anyMatch(s -> account.getMetadata().getName().equals(s.getName()))))
        .as("every binding of the hook's account")
        .containsExactly(binding);
    // Its account and RBAC exist only while `helm test` runs, and before the Pod.
    for (HasMetadata o : List.of(account, role, binding)) {
      assertThat(hookAnnotations(o))
          .as(o.getKind())
          .containsOnly(
              Map.entry("helm.sh/hook", "test"),
              Map.entry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded"),
              Map.entry("helm.sh/hook-weight", "-1"));
    }
    assertThat(hookAnnotations(pod)).doesNotContainKey("helm.sh/hook-weight");
  }

  @ParameterizedTest(name = "{0} -> the Job in {1}, pool {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ''                                                                  | fanout-system | default
          watchNamespaces[0]=team-a                                           | team-a        | default
          watchNamespaces[0]=team-a,watchNamespaces[1]=fanout-system          | fanout-system | default
          pools[0].name=tenant,pools[0].namespaces[0]=team-b,pools[1].name=default | fanout-system | default
          pools[0].name=tenant,pools[0].namespaces[0]=team-b                  | team-b        | tenant
          pools[0].name=gpu                                                   | fanout-system | gpu
          """)
  void theHelloJobRunsWhereAPoolServesIt(String sets, String namespace, String pool) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (String set : sets.isEmpty() ? new String[0] : sets.split(",")) {
      values.put(set.substring(0, set.indexOf('=')), set.substring(set.indexOf('=') + 1));
    }
    List<HasMetadata> chart = HookRender.render(values);
    Container c = smokeTest(chart, Pod.class).getFirst().getSpec().getContainers().getFirst();

    assertThat(env(c, "FANOUT_SMOKE_NAMESPACE")).isEqualTo(namespace);
    assertThat(env(c, "FANOUT_SMOKE_POOL")).isEqualTo(pool);
    assertThat(smokeTest(chart, Role.class).getFirst().getMetadata().getNamespace())
        .isEqualTo(namespace);
    assertThat(smokeTest(chart, RoleBinding.class).getFirst().getMetadata().getNamespace())
        .isEqualTo(namespace);
    assertThat(smokeTest(chart, Pod.class).getFirst().getMetadata().getNamespace())
        .as("the Pod stays in the release namespace")
        .isEqualTo(NAMESPACE);
  }

  @Test
  void testsCanBeTurnedOff() {
    RenderedChart chart = RenderedChart.render(List.of(), Map.of("tests.enabled", "false"));

    assertThat(chart.all(Pod.class)).isEmpty();
    assertThat(
            chart.objects.stream()
                .filter(o -> o.getMetadata().getAnnotations() != null)
                .filter(o -> o.getMetadata().getAnnotations().containsKey("helm.sh/hook")))
        .isEmpty();
    assertThat(
            chart.objects.stream().map(o -> o.getMetadata().getName()).collect(Collectors.toSet()))
        .noneMatch(n -> n.endsWith(SMOKE_TEST));
  }
}
