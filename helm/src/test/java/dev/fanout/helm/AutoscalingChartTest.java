package dev.fanout.helm;

import static dev.fanout.helm.RenderedChart.OPERATOR;
import static dev.fanout.helm.RenderedChart.WORKER;
import static dev.fanout.helm.RenderedChart.env;
import static dev.fanout.helm.RenderedChart.envValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code pools[].autoscaling}: the builtin scaler's annotations and Role, or KEDA's object. */
class AutoscalingChartTest {
  private static final String SCALER = OPERATOR + "-scaler";

  /** With {@code --set pools[0]...}, Helm builds the pool anew: its name is given too. */
  private static RenderedChart render(Map<String, Object> sets) {
    Map<String, Object> all = new java.util.HashMap<>(sets);
    all.put("pools[0].name", "default");
    return RenderedChart.render(List.of(), all);
  }

  private static Deployment pool(RenderedChart chart, String pool) {
    return chart.named(Deployment.class, WORKER + "-" + pool);
  }

  @Test
  void offByDefault() {
    RenderedChart chart = render(Map.of());
    Deployment workers = pool(chart, "default");
    assertThat(workers.getSpec().getReplicas()).isEqualTo(1);
    assertThat(workers.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(env(chart.operator(), "FANOUT_WORKERS_NAMESPACE")).isEmpty();
    assertThat(env(chart.operator(), "FANOUT_FAIR_SHARE_SECONDS")).as("the default").isEmpty();
    assertThat(chart.all(Role.class)).noneMatch(r -> SCALER.equals(r.getMetadata().getName()));
    assertThat(chart.ofKind("ScaledObject")).isEmpty();
  }

  @Test
  void builtinAnnotatesTheDeploymentLeavesItsReplicasToTheScalerAndLetsTheOperatorScaleIt() {
    RenderedChart chart =
        render(
            Map.of(
                "pools[0].autoscaling.enabled", true,
                "pools[0].autoscaling.minReplicas", 1,
                "pools[0].autoscaling.maxReplicas", 6,
                "pools[0].autoscaling.tasksPerReplica", 16,
                "pools[0].autoscaling.scaleDownDelaySeconds", 120));
    Deployment workers = pool(chart, "default");
    assertThat(workers.getSpec().getReplicas())
        .as("no replicas for a helm upgrade to reset")
        .isNull();
    assertThat(workers.getMetadata().getLabels()).containsEntry("fanout.dev/pool", "default");
    assertThat(workers.getMetadata().getAnnotations())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "fanout.dev/autoscale", "true",
                "fanout.dev/min-replicas", "1",
                "fanout.dev/max-replicas", "6",
                "fanout.dev/tasks-per-replica", "16",
                "fanout.dev/scale-down-delay-seconds", "120"));
    assertThat(envValue(chart.operator(), "FANOUT_WORKERS_NAMESPACE"))
        .isEqualTo(RenderedChart.NAMESPACE);

    Role role = chart.named(Role.class, SCALER);
    assertThat(role.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(role.getRules())
        .extracting(PolicyRule::getApiGroups, PolicyRule::getResources, PolicyRule::getVerbs)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                List.of("apps"), List.of("deployments"), List.of("get", "list", "watch")),
            org.assertj.core.groups.Tuple.tuple(
                List.of("apps"), List.of("deployments/scale"), List.of("get", "update", "patch")),
            org.assertj.core.groups.Tuple.tuple(List.of(""), List.of("events"), List.of("create")));
    RoleBinding binding = chart.named(RoleBinding.class, SCALER);
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo(OPERATOR));
    assertThat(chart.ofKind("ScaledObject")).isEmpty();
  }

  @Test
  void kedaRendersAScaledObjectOnThePoolQueueAndNoAnnotationNorRole() {
    RenderedChart chart =
        render(
            Map.of(
                "pools[0].autoscaling.enabled",
                true,
                "pools[0].autoscaling.mode",
                "keda",
                "pools[0].autoscaling.maxReplicas",
                4,
                "pools[0].autoscaling.tasksPerReplica",
                12,
                "pools[0].autoscaling.keda.authenticationRef",
                "fanout-sqs"));
    Deployment workers = pool(chart, "default");
    assertThat(workers.getSpec().getReplicas()).isNull();
    assertThat(workers.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(env(chart.operator(), "FANOUT_WORKERS_NAMESPACE")).isEmpty();
    assertThat(chart.all(Role.class)).noneMatch(r -> SCALER.equals(r.getMetadata().getName()));
    assertThat(envValue(chart.operator(), "FANOUT_FAIR_SHARE_SECONDS"))
        .as("KEDA scales on the queue's depth: each Job queues all its tasks")
        .isEqualTo("0");

    List<HasMetadata> scaled = chart.ofKind("ScaledObject");
    assertThat(scaled).hasSize(1);
    GenericKubernetesResource so = (GenericKubernetesResource) scaled.getFirst();
    assertThat(so.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
    Map<String, Object> spec = so.get("spec");
    assertThat(spec)
        .containsEntry("scaleTargetRef", Map.of("name", WORKER + "-default"))
        .containsEntry("minReplicaCount", 0)
        .containsEntry("maxReplicaCount", 4)
        .containsEntry("cooldownPeriod", 60);
    assertThat(so.<String>get("spec", "triggers", 0, "type")).isEqualTo("aws-sqs-queue");
    assertThat(so.<Map<String, Object>>get("spec", "triggers", 0, "metadata"))
        .containsEntry("queueURL", "fanout-default")
        .containsEntry("queueLength", "12")
        .containsEntry("awsRegion", "us-east-1")
        .as("the embedded queue, through the operator's Service")
        .containsEntry(
            "awsEndpoint", "http://" + OPERATOR + "." + RenderedChart.NAMESPACE + ":9324");
    assertThat(so.<String>get("spec", "triggers", 0, "authenticationRef", "name"))
        .isEqualTo("fanout-sqs");
  }

  @Test
  void kedaOnAwsHasNoEndpoint() {
    RenderedChart chart =
        RenderedChart.render(
            List.of("helm/examples/values-aws.yaml"),
            Map.of(
                "pools[0].name", "default",
                "pools[0].autoscaling.enabled", true,
                "pools[0].autoscaling.mode", "keda"));
    GenericKubernetesResource so = (GenericKubernetesResource) chart.ofKind("ScaledObject").get(0);
    Map<String, Object> metadata = so.get("spec", "triggers", 0, "metadata");
    assertThat(metadata).doesNotContainKey("awsEndpoint").containsKey("awsRegion");
    assertThat(metadata.get("awsRegion")).isNotEqualTo("");
  }

  @Test
  void badAutoscalingValuesAreRefusedNamingThem() {
    assertThatThrownBy(
            () ->
                render(
                    Map.of(
                        "pools[0].autoscaling.enabled", true,
                        "pools[0].autoscaling.minReplicas", 5,
                        "pools[0].autoscaling.maxReplicas", 2)))
        .hasMessageContaining(
            "pools[default].autoscaling: minReplicas (5) is above maxReplicas (2)");
    assertThatThrownBy(
            () ->
                render(
                    Map.of(
                        "pools[0].autoscaling.enabled", true, "pools[0].autoscaling.mode", "hpa")))
        .hasMessageContaining("/pools/0/autoscaling/mode");
    assertThatThrownBy(() -> render(Map.of("pools[0].autoscaling.maxReplica", 3)))
        .hasMessageContaining("maxReplica");
  }
}
