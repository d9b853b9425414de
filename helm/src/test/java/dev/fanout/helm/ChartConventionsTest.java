package dev.fanout.helm;

import static dev.fanout.helm.RenderedChart.OPERATOR;
import static dev.fanout.helm.RenderedChart.WORKER;
import static dev.fanout.helm.RenderedChart.container;
import static dev.fanout.helm.RenderedChart.envValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The knobs users expect of a Helm chart: names, ServiceAccounts and RBAC, pod labels, annotations,
 * priority, spreading, pull secrets and extra environment, and the CRD as a template.
 */
class ChartConventionsTest {
  private static final String TENANTS = "helm/examples/values-tenants.yaml";
  private static final String TWO_POOLS = "helm/examples/values-two-pools.yaml";

  private static PodSpec pod(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec();
  }

  private static Set<String> names(RenderedChart chart) {
    Set<String> names = new HashSet<>();
    chart.objects.forEach(o -> names.add(o.getKind() + "/" + o.getMetadata().getName()));
    return names;
  }

  @Test
  void aReleaseNamedAfterTheChartIsNotNamedTwice() {
    RenderedChart fanout = RenderedChart.renderRelease("fanout", List.of(), Map.of());
    assertThat(names(fanout))
        .contains(
            "Deployment/fanout-operator",
            "Deployment/fanout-worker-default",
            "ServiceAccount/fanout-operator",
            "ServiceAccount/fanout-worker",
            "PersistentVolumeClaim/fanout-data",
            "Role/fanout-operator-leader-election")
        .noneMatch(name -> name.contains("fanout-fanout"));
    assertThat(
            envValue(
                fanout.named(Deployment.class, "fanout-worker-default"), "AWS_ENDPOINT_URL_SQS"))
        .isEqualTo("http://fanout-operator:9324");

    assertThat(names(RenderedChart.renderRelease("prod", List.of(), Map.of())))
        .contains("Deployment/prod-fanout-operator", "Deployment/prod-fanout-worker-default");
    assertThat(names(RenderedChart.renderRelease("fanout-eu", List.of(), Map.of())))
        .contains("Deployment/fanout-eu-operator");
  }

  @Test
  void overridesReplaceTheNameOrThePrefix() {
    RenderedChart full = RenderedChart.render(List.of(), Map.of("fullnameOverride", "batch"));
    assertThat(names(full))
        .contains("Deployment/batch-operator", "Deployment/batch-worker-default")
        .noneMatch(name -> name.contains("rel-"));

    RenderedChart renamed = RenderedChart.render(List.of(), Map.of("nameOverride", "jobs"));
    Deployment operator = renamed.named(Deployment.class, "rel-jobs-operator");
    assertThat(operator.getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/name", "jobs");
    assertThat(renamed.objects)
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/name", "jobs"));
  }

  @Test
  void longNamesAreCutTo63CharactersKeepingTheirSuffixSoTheyStayDistinct() {
    String release = "a".repeat(53);
    String pool = "p".repeat(40);
    RenderedChart chart =
        RenderedChart.renderRelease(
            release,
            List.of(),
            Map.of(
                "pools[0].name",
                pool,
                "pools[0].namespaces[0]",
                "team-a",
                "pools[1].name",
                "default",
                "podDisruptionBudget.enabled",
                true));

    List<String> names = new ArrayList<>();
    for (HasMetadata o : chart.objects) {
      names.add(o.getKind() + "/" + o.getMetadata().getName());
      assertThat(o.getMetadata().getName()).hasSizeLessThanOrEqualTo(63).doesNotEndWith("-");
    }
    assertThat(names).doesNotHaveDuplicates();
    assertThat(chart.all(Deployment.class))
        .extracting(d -> d.getMetadata().getName())
        .anyMatch(n -> n.endsWith("-worker-" + pool))
        .anyMatch(n -> n.endsWith("-worker-default"));
    assertThat(chart.all(Deployment.class))
        .extracting(d -> d.getMetadata().getName())
        .anyMatch(n -> n.startsWith(release.substring(0, 10)) && n.endsWith("-operator"));
  }

  @Test
  void existingServiceAccountsAreUsedAndBoundWhenTheChartCreatesNone() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TENANTS),
            Map.of(
                "operator.serviceAccount.create", false,
                "operator.serviceAccount.name", "ops-fanout",
                "worker.serviceAccount.create", false,
                "worker.serviceAccount.name", "shared-workers",
                "pools[1].serviceAccountName", "team-a-workers",
                "pools[2].serviceAccountName", "team-b-workers"));

    assertThat(chart.all(ServiceAccount.class)).isEmpty();
    assertThat(pod(chart.operator()).getServiceAccountName()).isEqualTo("ops-fanout");
    assertThat(pod(chart.named(Deployment.class, WORKER + "-default")).getServiceAccountName())
        .isEqualTo("shared-workers");
    assertThat(pod(chart.named(Deployment.class, WORKER + "-team-a")).getServiceAccountName())
        .isEqualTo("team-a-workers");
    List<String> subjects = new ArrayList<>();
    chart.all(ClusterRoleBinding.class).forEach(b -> subjects.addAll(names(b.getSubjects())));
    chart.all(RoleBinding.class).forEach(b -> subjects.addAll(names(b.getSubjects())));
    assertThat(subjects)
        .containsOnly("ops-fanout", "shared-workers", "team-a-workers", "team-b-workers");
    // The roles keep the chart's names: the accounts are bound to them, not renamed.
    assertThat(
            chart.all(RoleBinding.class).stream()
                .filter(b -> b.getMetadata().getNamespace().equals("team-a"))
                .map(b -> b.getRoleRef().getName()))
        .containsExactly(WORKER + "-team-a");
  }

  @Test
  void aCreatedAccountMayBeNamedAndAnnotated() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(),
            Map.of(
                "operator.serviceAccount.name", "fanout-ops",
                "operator.serviceAccount.annotations.example\\.com/owner", "platform",
                "worker.serviceAccount.annotations.example\\.com/owner", "tenants"));

    assertThat(chart.named(ServiceAccount.class, "fanout-ops").getMetadata().getAnnotations())
        .containsEntry("example.com/owner", "platform");
    assertThat(chart.named(ServiceAccount.class, WORKER).getMetadata().getAnnotations())
        .containsEntry("example.com/owner", "tenants");
    assertThat(pod(chart.operator()).getServiceAccountName()).isEqualTo("fanout-ops");
    assertThat(chart.named(ClusterRoleBinding.class, OPERATOR).getSubjects())
        .extracting(Subject::getName)
        .containsExactly("fanout-ops");
  }

  @Test
  void anAccountTheChartDoesNotCreateMustBeNamed() {
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(), Map.of("operator.serviceAccount.create", false)))
        .hasMessageContaining(
            "operator.serviceAccount.create=false needs operator.serviceAccount.name");
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(), Map.of("worker.serviceAccount.create", false)))
        .hasMessageContaining(
            "worker.serviceAccount.create=false needs worker.serviceAccount.name");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(TENANTS),
                    Map.of(
                        "worker.serviceAccount.create",
                        false,
                        "worker.serviceAccount.name",
                        "shared")))
        .hasMessageContaining(
            "pools: pool \"team-a\": worker.serviceAccount.create=false needs the pool's"
                + " serviceAccountName");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(),
                    Map.of("pools[0].name", "default", "pools[0].serviceAccountName", "x")))
        .hasMessageContaining("pools: pool \"default\": serviceAccountName needs namespaces");
  }

  @Test
  void withoutRbacCreateTheChartRendersNoRoleNorBinding() {
    RenderedChart chart = RenderedChart.render(List.of(TENANTS), Map.of("rbac.create", false));

    assertThat(chart.objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
        .contains("ServiceAccount", "Deployment");
  }

  @Test
  void extraEnvComesAfterTheChartsOwnOnTheOperatorAndEveryWorker() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TWO_POOLS),
            Map.of(
                "operator.extraEnv[0].name", "FANOUT_LOG_FORMAT",
                "operator.extraEnv[0].value", "json",
                "worker.extraEnv[0].name", "FANOUT_LOG_LEVEL",
                "worker.extraEnv[0].value", "WARN",
                "worker.extraEnv[1].name", "TEAM_TOKEN",
                "worker.extraEnv[1].valueFrom.secretKeyRef.name", "team",
                "worker.extraEnv[1].valueFrom.secretKeyRef.key", "token"));

    List<EnvVar> operatorEnv = container(chart.operator()).getEnv();
    assertThat(operatorEnv.getLast().getName()).isEqualTo("FANOUT_LOG_FORMAT");
    assertThat(envValue(chart.operator(), "FANOUT_LOG_FORMAT")).isEqualTo("json");
    assertThat(chart.workers()).hasSize(2);
    for (Deployment worker : chart.workers()) {
      List<EnvVar> env = container(worker).getEnv();
      assertThat(env.subList(env.size() - 2, env.size()))
          .extracting(EnvVar::getName)
          .containsExactly("FANOUT_LOG_LEVEL", "TEAM_TOKEN");
      assertThat(env.getLast().getValueFrom().getSecretKeyRef().getName()).isEqualTo("team");
      assertThat(RenderedChart.env(worker, "FANOUT_LOG_FORMAT")).isEmpty();
    }
  }

  @Test
  void extraEnvMayNotSetAVariableTheChartSets() {
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(),
                    Map.of(
                        "operator.extraEnv[0].name", "FANOUT_DB_URL",
                        "operator.extraEnv[0].value", "jdbc:h2:mem:x")))
        .hasMessageContaining("operator.extraEnv: FANOUT_DB_URL is set by the chart");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(),
                    Map.of(
                        "worker.extraEnv[0].name", "FANOUT_POOL",
                        "worker.extraEnv[0].value", "other")))
        .hasMessageContaining("worker.extraEnv: FANOUT_POOL is set by the chart");
  }

  @Test
  void podLabelsAndAnnotationsGoOnTheirComponentsPodsOnly() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TWO_POOLS),
            Map.of(
                "operator.podLabels.team", "platform",
                "operator.podAnnotations.example\\.com/scrape", "op",
                "worker.podLabels.team", "batch",
                "worker.podAnnotations.example\\.com/scrape", "wk"));

    var operatorPod = chart.operator().getSpec().getTemplate().getMetadata();
    assertThat(operatorPod.getLabels()).containsEntry("team", "platform");
    assertThat(operatorPod.getAnnotations()).containsEntry("example.com/scrape", "op");
    assertThat(chart.operator().getSpec().getSelector().getMatchLabels()).doesNotContainKey("team");
    for (Deployment worker : chart.workers()) {
      var meta = worker.getSpec().getTemplate().getMetadata();
      assertThat(meta.getLabels()).containsEntry("team", "batch");
      assertThat(meta.getAnnotations()).containsEntry("example.com/scrape", "wk");
      assertThat(worker.getSpec().getSelector().getMatchLabels()).doesNotContainKey("team");
    }
  }

  @Test
  void podLabelsMayNotReplaceTheChartsOwn() {
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(), Map.of("worker.podLabels.app\\.kubernetes\\.io/component", "x")))
        .hasMessageContaining(
            "worker.podLabels: label \"app.kubernetes.io/component\" is one the chart sets itself");
  }

  @Test
  void priorityClassForEachComponentAndPool() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TWO_POOLS),
            Map.of(
                "operator.priorityClassName", "system-cluster-critical",
                "worker.priorityClassName", "batch-low",
                "pools[1].priorityClassName", "batch-high"));

    assertThat(pod(chart.operator()).getPriorityClassName()).isEqualTo("system-cluster-critical");
    assertThat(pod(chart.named(Deployment.class, WORKER + "-default")).getPriorityClassName())
        .isEqualTo("batch-low");
    assertThat(pod(chart.named(Deployment.class, WORKER + "-heavy")).getPriorityClassName())
        .isEqualTo("batch-high");
    assertThat(RenderedChart.render().all(Deployment.class))
        .allSatisfy(d -> assertThat(pod(d).getPriorityClassName()).isNull());
  }

  @Test
  void aSpreadConstraintWithoutSelectorSpreadsItsOwnPoolsPods() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TWO_POOLS),
            Map.of(
                "worker.topologySpreadConstraints[0].maxSkew", 1,
                "worker.topologySpreadConstraints[0].topologyKey", "topology.kubernetes.io/zone",
                "worker.topologySpreadConstraints[0].whenUnsatisfiable", "ScheduleAnyway",
                "operator.topologySpreadConstraints[0].maxSkew", 1,
                "operator.topologySpreadConstraints[0].topologyKey", "kubernetes.io/hostname",
                "operator.topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule",
                "operator.topologySpreadConstraints[0].labelSelector.matchLabels.custom", "x"));

    for (Deployment worker : chart.workers()) {
      TopologySpreadConstraint constraint = pod(worker).getTopologySpreadConstraints().getFirst();
      assertThat(constraint.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
      assertThat(constraint.getLabelSelector().getMatchLabels())
          .isEqualTo(worker.getSpec().getSelector().getMatchLabels());
    }
    assertThat(
            pod(chart.operator())
                .getTopologySpreadConstraints()
                .getFirst()
                .getLabelSelector()
                .getMatchLabels())
        .as("a selector of the user's own is kept")
        .isEqualTo(Map.of("custom", "x"));
  }

  @Test
  void everyPodGetsTheImagePullSecrets() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(TENANTS),
            Map.of("imagePullSecrets[0]", "registry-a", "imagePullSecrets[1]", "registry-b"));

    assertThat(chart.all(Deployment.class)).hasSize(4);
    assertThat(chart.all(Deployment.class))
        .allSatisfy(
            d ->
                assertThat(pod(d).getImagePullSecrets())
                    .extracting(LocalObjectReference::getName)
                    .containsExactly("registry-a", "registry-b"));
  }

  @Test
  void theCrdIsATemplateSoUpgradesUpdateItAndUninstallKeepsIt() throws IOException {
    CustomResourceDefinition committed;
    try (InputStream in =
        Files.newInputStream(
            RenderedChart.repositoryRoot().resolve("crds/jobs.fanout.dev-v1.yml"))) {
      committed = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }

    CustomResourceDefinition rendered =
        RenderedChart.render().named(CustomResourceDefinition.class, "jobs.fanout.dev");
    // Helm's fromYaml/toYaml writes 2.0 as 2: the same JSON number to the API server.
    JsonNode renderedSpec = Serialization.jsonMapper().valueToTree(rendered.getSpec());
    JsonNode committedSpec = Serialization.jsonMapper().valueToTree(committed.getSpec());
    assertThat(renderedSpec.equals(NUMBERS_BY_VALUE, committedSpec))
        .as("the rendered CRD's spec is the committed one's")
        .isTrue();
    assertThat(rendered.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    assertThat(rendered.getMetadata().getNamespace()).isNull();

    assertThat(
            RenderedChart.render(List.of(), Map.of("crds.keep", false))
                .named(CustomResourceDefinition.class, "jobs.fanout.dev")
                .getMetadata()
                .getAnnotations())
        .isNullOrEmpty();
    assertThat(
            RenderedChart.render(List.of(), Map.of("crds.install", false))
                .all(CustomResourceDefinition.class))
        .isEmpty();
  }

  private static final Comparator<JsonNode> NUMBERS_BY_VALUE =
      (a, b) ->
          a.isNumber() && b.isNumber()
              ? a.decimalValue().compareTo(b.decimalValue())
              : a.equals(b) ? 0 : 1;

  private static List<String> names(List<Subject> subjects) {
    return subjects.stream().map(Subject::getName).toList();
  }
}
