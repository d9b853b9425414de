package dev.fanout.helm;

import static dev.fanout.helm.RenderedChart.NAMESPACE;
import static dev.fanout.helm.RenderedChart.OPERATOR;
import static dev.fanout.helm.RenderedChart.container;
import static dev.fanout.helm.RenderedChart.envValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The web console in the chart: off by default; on, a port, its reviews' rights, an Ingress. */
class ConsoleChartTest {
  private static final String CONSOLE = OPERATOR + "-console";

  @Test
  void byDefaultTheConsoleIsServedOnTheOperatorsPodOnly() {
    RenderedChart chart = RenderedChart.render();

    // Where kubectl fanout tasks|failures and kubectl port-forward reach it, token-checked.
    assertThat(envValue(chart.operator(), "FANOUT_CONSOLE_PORT")).isEqualTo("8090");
    assertThat(envValue(chart.operator(), "FANOUT_CONSOLE_AUTH")).isEqualTo("kubernetes");
    assertThat(container(chart.operator()).getPorts())
        .extracting(ContainerPort::getName)
        .contains("console");
    assertThat(chart.named(ClusterRole.class, CONSOLE).getRules())
        .extracting(r -> r.getResources().get(0) + " " + String.join(",", r.getVerbs()))
        .containsExactlyInAnyOrder("tokenreviews create", "subjectaccessreviews create");
    // Not exposed: no port on the Service, none opened in the NetworkPolicy, no Ingress.
    assertThat(chart.named(Service.class, OPERATOR).getSpec().getPorts())
        .extracting(ServicePort::getName)
        .doesNotContain("console");
    assertThat(chart.all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class))
        .flatMap(p -> p.getSpec().getIngress())
        .flatMap(r -> r.getPorts())
        .extracting(p -> p.getPort().getIntVal())
        .doesNotContain(8090);
    assertThat(chart.all(io.fabric8.kubernetes.api.model.networking.v1.Ingress.class)).isEmpty();
  }

  @Test
  void enabledTheConsoleIsPort8090OfTheOperatorsServiceWithKubernetesAuth() {
    RenderedChart chart = RenderedChart.render(List.of(), Map.of("console.enabled", true));

    assertThat(envValue(chart.operator(), "FANOUT_CONSOLE_PORT")).isEqualTo("8090");
    assertThat(envValue(chart.operator(), "FANOUT_CONSOLE_AUTH")).isEqualTo("kubernetes");
    assertThat(container(chart.operator()).getPorts())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo("console");
              assertThat(p.getContainerPort()).isEqualTo(8090);
            });
    ServicePort port =
        chart.named(Service.class, OPERATOR).getSpec().getPorts().stream()
            .filter(p -> "console".equals(p.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(port.getPort()).isEqualTo(8090);
    assertThat(port.getTargetPort().getStrVal()).isEqualTo("console");
    assertThat(chart.all(Ingress.class)).isEmpty();
  }

  @Test
  void enabledTheOperatorMayReviewTokensAndAccessClusterWideEvenWithWatchNamespaces() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(), Map.of("console.enabled", true, "watchNamespaces[0]", "team-a"));

    assertThat(chart.rules(CONSOLE))
        .extracting(PolicyRule::getApiGroups, PolicyRule::getResources, PolicyRule::getVerbs)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                List.of("authentication.k8s.io"), List.of("tokenreviews"), List.of("create")),
            org.assertj.core.groups.Tuple.tuple(
                List.of("authorization.k8s.io"),
                List.of("subjectaccessreviews"),
                List.of("create")));
    ClusterRoleBinding binding = chart.named(ClusterRoleBinding.class, CONSOLE);
    assertThat(binding.getSubjects().getFirst().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(binding.getSubjects().getFirst().getName()).isEqualTo(OPERATOR);
  }

  @Test
  void withoutRbacCreateTheConsoleGetsNoRoleEither() {
    RenderedChart chart =
        RenderedChart.render(List.of(), Map.of("console.enabled", true, "rbac.create", false));

    assertThat(chart.objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("ClusterRole", "ClusterRoleBinding");
  }

  @Test
  void theNetworkPolicyLetsAnyoneReachTheConsolePortWhichChecksTokensItself() {
    RenderedChart chart = RenderedChart.render(List.of(), Map.of("console.enabled", true));

    NetworkPolicy policy = chart.named(NetworkPolicy.class, OPERATOR);
    assertThat(policy.getSpec().getIngress())
        .anySatisfy(
            rule -> {
              assertThat(rule.getFrom()).isNullOrEmpty();
              assertThat(rule.getPorts())
                  .extracting(NetworkPolicyPort::getPort)
                  .extracting(p -> p.getIntVal())
                  .contains(8090);
            });
  }

  @Test
  void anIngressWithClassHostTlsAndAnnotationsPointsAtTheConsolePort() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(),
            Map.of(
                "console.enabled", true,
                "console.ingress.enabled", true,
                "console.ingress.className", "nginx",
                "console.ingress.host", "fanout.example.com",
                "console.ingress.tls[0].secretName", "fanout-tls",
                "console.ingress.tls[0].hosts[0]", "fanout.example.com",
                "console.ingress.annotations.cert-manager\\.io/cluster-issuer", "letsencrypt"));

    Ingress ingress = chart.named(Ingress.class, CONSOLE);
    assertThat(ingress.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getTls().getFirst().getSecretName()).isEqualTo("fanout-tls");
    assertThat(ingress.getSpec().getTls().getFirst().getHosts())
        .containsExactly("fanout.example.com");
    IngressRule rule = ingress.getSpec().getRules().getFirst();
    assertThat(rule.getHost()).isEqualTo("fanout.example.com");
    var backend = rule.getHttp().getPaths().getFirst().getBackend().getService();
    assertThat(backend.getName()).isEqualTo(OPERATOR);
    assertThat(backend.getPort().getName()).isEqualTo("console");
  }

  @Test
  void anIngressWithoutHostOrClassAnswersAnyHostWithTheDefaultClass() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(), Map.of("console.enabled", true, "console.ingress.enabled", true));

    Ingress ingress = chart.named(Ingress.class, CONSOLE);
    assertThat(ingress.getSpec().getIngressClassName()).isNull();
    assertThat(ingress.getSpec().getTls()).isNullOrEmpty();
    assertThat(ingress.getSpec().getRules().getFirst().getHost()).isNull();
  }

  @Test
  void anIngressNeedsTheConsole() {
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(), Map.of("console.ingress.enabled", true)))
        .hasMessageContaining("console.ingress.enabled needs console.enabled");
  }
}
