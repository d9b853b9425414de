package dev.fanout.helm;

import static dev.fanout.helm.RenderedChart.NAMESPACE;
import static dev.fanout.helm.RenderedChart.OPERATOR;
import static dev.fanout.helm.RenderedChart.WORKER;
import static dev.fanout.helm.RenderedChart.container;
import static dev.fanout.helm.RenderedChart.env;
import static dev.fanout.helm.RenderedChart.envValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lints the chart and checks the objects {@code helm template} renders for each documented setup.
 */
class ChartTest {
  private static final String POSTGRES = "helm/examples/values-postgres.yaml";
  private static final String AWS = "helm/examples/values-aws.yaml";
  private static final String NAMESPACED = "helm/examples/values-namespaced.yaml";
  private static final String TWO_POOLS = "helm/examples/values-two-pools.yaml";
  private static final String HA = "helm/examples/values-ha.yaml";
  private static final String LOCALSTACK = "localstack/values-localstack.yaml";
  private static final String TENANTS = "helm/examples/values-tenants.yaml";

  /** The default values and every documented variant. */
  static Stream<String> variants() {
    return Stream.of("", POSTGRES, AWS, NAMESPACED, TWO_POOLS, HA, LOCALSTACK, TENANTS);
  }

  private static RenderedChart render(String variant) {
    return variant.isEmpty() ? RenderedChart.render() : RenderedChart.render(variant);
  }

  private static final Set<String> KINDS =
      Set.of(
          "CustomResourceDefinition",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding",
          "Deployment",
          "Service",
          "PersistentVolumeClaim",
          "PodDisruptionBudget",
          "NetworkPolicy",
          "ServiceMonitor");

  /** What each program used in a run on a real API server (kube-tests RunningFanoutIT). */
  private static final List<PolicyRule> WORKER_RULES =
      List.of(rule("jobs", "get", "list", "watch"), rule("jobs/status", "patch"));

  private static final List<PolicyRule> OPERATOR_RULES =
      List.of(
          rule("jobs", "get", "list", "watch", "patch", "delete"),
          rule("jobs/status", "patch"),
          new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
              .withApiGroups("")
              .withResources("events")
              .withVerbs("create")
              .build());

  private static PolicyRule rule(String resource, String... verbs) {
    return new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
        .withApiGroups("fanout.dev")
        .withResources(resource)
        .withVerbs(verbs)
        .build();
  }

  /** Names of the (Cluster)Roles bound to this service account. */
  private static Set<String> roleRefsOf(RenderedChart chart, String serviceAccount) {
    Set<String> refs = new TreeSet<>();
    for (RoleBinding b : chart.all(RoleBinding.class)) {
      if (b.getSubjects().stream().anyMatch(s -> serviceAccount.equals(s.getName()))) {
        refs.add(b.getRoleRef().getName());
      }
    }
    for (ClusterRoleBinding b : chart.all(ClusterRoleBinding.class)) {
      if (b.getSubjects().stream().anyMatch(s -> serviceAccount.equals(s.getName()))) {
        refs.add(b.getRoleRef().getName());
      }
    }
    return refs;
  }

  @Test
  void lintPassesStrict() {
    LintResult result = new Helm(RenderedChart.chartDir()).lint().strict().call();

    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void rendersValidObjectsOfKnownKinds(String variant) {
    RenderedChart chart = render(variant);

    assertThat(chart.objects).isNotEmpty();
    for (HasMetadata object : chart.objects) {
      assertThat(object.getKind()).isIn(KINDS);
      assertThat(object.getMetadata().getName())
          .hasSizeLessThanOrEqualTo(63)
          .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
      assertThat(object.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/name", "fanout")
          .containsEntry("app.kubernetes.io/instance", RenderedChart.RELEASE);
      if (!"ServiceMonitor".equals(object.getKind())) {
        assertThat(object)
            .as("typed %s", object.getKind())
            .isNotInstanceOf(GenericKubernetesResource.class);
      }
    }
    assertThat(chart.ofKind("Secret")).as("the chart never holds credentials").isEmpty();
    // Every Deployment's selector matches its pod template.
    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void workerMayOnlyReadJobsAndWriteTheirStatus(String variant) {
    RenderedChart chart = render(variant);

    Set<String> accounts = new TreeSet<>();
    chart
        .workers()
        .forEach(d -> accounts.add(d.getSpec().getTemplate().getSpec().getServiceAccountName()));
    assertThat(accounts).isNotEmpty();
    for (String account : accounts) {
      List<PolicyRule> rules = chart.rules(account);
      assertThat(rules).as(account).isNotEmpty();
      assertThat(Set.copyOf(rules)).as(account).isEqualTo(Set.copyOf(WORKER_RULES));
      // A worker's account is bound to its own (Cluster)Role and nothing else.
      assertThat(roleRefsOf(chart, account)).as(account).containsOnly(account);
    }
    assertThat(chart.all(Role.class))
        .flatMap(Role::getRules)
        .flatMap(PolicyRule::getResources)
        .doesNotContain("secrets");
    assertThat(chart.all(ClusterRole.class))
        .flatMap(ClusterRole::getRules)
        .flatMap(PolicyRule::getResources)
        .doesNotContain("secrets");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void operatorHasNoVerbBeyondItsList(String variant) {
    RenderedChart chart = render(variant);

    assertThat(Set.copyOf(chart.rules(OPERATOR))).isEqualTo(Set.copyOf(OPERATOR_RULES));
    // Leader election is always on, whatever the replica count: a later `kubectl scale` must not
    // run two active operators.
    List<PolicyRule> lease = chart.rules(OPERATOR + "-leader-election");
    assertThat(lease)
        .containsExactly(
            new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("get", "create", "patch")
                .build());
    assertThat(chart.named(Role.class, OPERATOR + "-leader-election").getMetadata().getNamespace())
        .isEqualTo(NAMESPACE);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void theConsoleMayReviewTokensAndAccessAndNothingElse(String variant) {
    RenderedChart chart =
        RenderedChart.render(
            variant.isEmpty() ? List.of() : List.of(variant), Map.of("console.enabled", true));

    assertThat(chart.rules(OPERATOR + "-console"))
        .containsExactlyInAnyOrder(
            new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
                .withApiGroups("authentication.k8s.io")
                .withResources("tokenreviews")
                .withVerbs("create")
                .build(),
            new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder()
                .withApiGroups("authorization.k8s.io")
                .withResources("subjectaccessreviews")
                .withVerbs("create")
                .build());
    ClusterRoleBinding binding = chart.named(ClusterRoleBinding.class, OPERATOR + "-console");
    assertThat(binding.getRoleRef().getName()).isEqualTo(OPERATOR + "-console");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName())
                  .isEqualTo(
                      chart.operator().getSpec().getTemplate().getSpec().getServiceAccountName());
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });
    Container operator = chart.operator().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getPorts())
        .anyMatch(p -> p.getName().equals("console") && p.getContainerPort() == 8090);
    assertThat(envValue(chart.operator(), "FANOUT_CONSOLE_PORT")).isEqualTo("8090");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void everyContainerIsLockedDownWithResourcesAndProbes(String variant) {
    RenderedChart chart = render(variant);

    for (Deployment d : chart.all(Deployment.class)) {
      String name = d.getMetadata().getName();
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).as(name).isEqualTo(10001L);
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      assertThat(pod.getInitContainers()).isEmpty();
      for (Container c : pod.getContainers()) {
        SecurityContext sc = c.getSecurityContext();
        assertThat(sc.getRunAsNonRoot()).as(name).isTrue();
        assertThat(sc.getRunAsUser()).as(name).isEqualTo(10001L);
        assertThat(sc.getReadOnlyRootFilesystem()).as(name).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).as(name).isFalse();
        assertThat(sc.getCapabilities().getDrop()).as(name).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).as(name).isEmpty();
        assertThat(sc.getSeccompProfile().getType()).as(name).isEqualTo("RuntimeDefault");
        assertThat(c.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).as(name).containsKey("memory");
        assertThat(c.getVolumeMounts())
            .as(name)
            .anyMatch(m -> "/tmp".equals(m.getMountPath()) && "tmp".equals(m.getName()));
        int port = name.equals(OPERATOR) ? 8080 : 8081;
        assertThat(c.getPorts())
            .anyMatch(p -> p.getName().equals("http") && p.getContainerPort() == port);
        assertThat(envValue(d, "FANOUT_HTTP_PORT")).isEqualTo(String.valueOf(port));
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
      }
      assertThat(pod.getVolumes())
          .anyMatch(v -> "tmp".equals(v.getName()) && v.getEmptyDir() != null);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void workersNeverGetDatabaseSettingsNorSecrets(String variant) {
    RenderedChart chart = render(variant);

    assertThat(chart.workers()).isNotEmpty();
    for (Deployment worker : chart.workers()) {
      Container c = container(worker);
      assertThat(c.getEnv()).extracting(EnvVar::getName).noneMatch(n -> n.startsWith("FANOUT_DB_"));
      assertThat(c.getEnv()).allMatch(e -> e.getValueFrom() == null);
      assertThat(c.getEnvFrom()).isEmpty();
      assertThat(worker.getSpec().getTemplate().getSpec().getVolumes())
          .allMatch(v -> v.getSecret() == null && v.getPersistentVolumeClaim() == null);
      assertThat(worker.getSpec().getTemplate().getSpec().getServiceAccountName())
          .startsWith(WORKER);
    }
  }

  @Test
  void defaultsEmbedTheQueueAndKeepH2OnAClaim() {
    RenderedChart chart = RenderedChart.render();
    Deployment operator = chart.operator();

    assertThat(operator.getSpec().getReplicas()).isEqualTo(1);
    assertThat(operator.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(container(operator).getImage()).isEqualTo("fanout-operator:0.1.0-SNAPSHOT");
    assertThat(envValue(operator, "FANOUT_DB_URL")).isEqualTo("jdbc:h2:file:/data/fanout");
    assertThat(env(operator, "FANOUT_DB_USER")).isEmpty();
    assertThat(env(operator, "FANOUT_DB_PASSWORD")).isEmpty();
    assertThat(envValue(operator, "FANOUT_SQS_EMBEDDED")).isEqualTo("true");
    assertThat(envValue(operator, "FANOUT_SQS_EMBEDDED_PORT")).isEqualTo("9324");
    assertThat(envValue(operator, "FANOUT_QUEUE_PREFIX")).isEqualTo("fanout-");
    assertThat(env(operator, "AWS_ENDPOINT_URL_SQS")).isEmpty();
    assertThat(env(operator, "FANOUT_NAMESPACES")).isEmpty();
    assertThat(container(operator).getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals("/data") && m.getName().equals("data"));
    PersistentVolumeClaim claim = chart.named(PersistentVolumeClaim.class, "rel-fanout-data");
    assertThat(
            operator.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("data"))
                .findFirst()
                .orElseThrow()
                .getPersistentVolumeClaim()
                .getClaimName())
        .isEqualTo(claim.getMetadata().getName());

    Service service = chart.named(Service.class, OPERATOR);
    assertThat(service.getSpec().getPorts())
        .extracting(ServicePort::getName, ServicePort::getPort)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("http", 8080),
            org.assertj.core.groups.Tuple.tuple("sqs", 9324));

    Deployment worker = chart.named(Deployment.class, WORKER + "-default");
    assertThat(container(worker).getImage()).isEqualTo("fanout-worker:0.1.0-SNAPSHOT");
    assertThat(envValue(worker, "AWS_ENDPOINT_URL_SQS"))
        .isEqualTo("http://rel-fanout-operator:9324");
    assertThat(envValue(worker, "FANOUT_POOL")).isEqualTo("default");
    assertThat(envValue(worker, "FANOUT_WORKER_CONCURRENCY")).isEqualTo("4");
    assertThat(env(worker, "AWS_REGION")).isEmpty();

    // The operator's, the shared pool's, and the console's token and access reviews.
    assertThat(chart.all(ClusterRole.class)).hasSize(3);
    assertThat(chart.all(ClusterRoleBinding.class)).hasSize(3);
    assertThat(chart.all(Role.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly(OPERATOR + "-leader-election");
    assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
    assertThat(chart.all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void postgresLoginComesOnlyFromTheExistingSecret() {
    RenderedChart chart = RenderedChart.render(List.of(POSTGRES), Map.of());
    Deployment operator = chart.operator();

    assertThat(envValue(operator, "FANOUT_DB_URL"))
        .isEqualTo("jdbc:postgresql://postgres:5432/fanout");
    for (String[] pair :
        new String[][] {{"FANOUT_DB_USER", "username"}, {"FANOUT_DB_PASSWORD", "password"}}) {
      EnvVar var = env(operator, pair[0]).orElseThrow();
      assertThat(var.getValue()).isNull();
      assertThat(var.getValueFrom().getSecretKeyRef().getName()).isEqualTo("fanout-db");
      assertThat(var.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(pair[1]);
    }
    assertThat(chart.all(PersistentVolumeClaim.class)).isEmpty();
    assertThat(container(operator).getVolumeMounts())
        .noneMatch(m -> m.getMountPath().equals("/data"));
  }

  @Test
  void aPasswordPassedAsAValueIsRefusedWithoutBeingRepeated() {
    String password = "s3cret-Value-42";
    for (String key : List.of("database.postgres.password", "database.password")) {
      assertThatThrownBy(() -> RenderedChart.render(List.of(POSTGRES), Map.of(key, password)))
          .hasMessageContaining("additional properties 'password' not allowed")
          .message()
          .doesNotContain(password);
    }
    assertThat(RenderedChart.render(POSTGRES).all(Deployment.class))
        .flatMap(d -> container(d).getEnv())
        .filteredOn(e -> e.getName().equals("FANOUT_DB_PASSWORD"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull());
  }

  @Test
  void awsModeAnnotatesBothServiceAccountsForIrsa() {
    RenderedChart chart = RenderedChart.render(AWS);

    assertThat(chart.named(ServiceAccount.class, OPERATOR).getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/fanout-operator");
    assertThat(chart.named(ServiceAccount.class, WORKER).getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/fanout-worker");
    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(envValue(d, "AWS_REGION")).isEqualTo("eu-west-1");
      assertThat(env(d, "AWS_ENDPOINT_URL_SQS")).isEmpty();
    }
    assertThat(envValue(chart.operator(), "FANOUT_SQS_EMBEDDED")).isEqualTo("false");
    assertThat(chart.named(Service.class, OPERATOR).getSpec().getPorts())
        .extracting(ServicePort::getName)
        .containsExactly("http");
  }

  @Test
  void irsaAnnotationOnlyInAwsMode() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(), Map.of("queue.aws.roleArn", "arn:aws:iam::123456789012:role/x"));

    assertThat(chart.all(ServiceAccount.class))
        .allSatisfy(sa -> assertThat(sa.getMetadata().getAnnotations()).isNullOrEmpty());
  }

  @Test
  void localstackValuesPointOperatorAndWorkersAtTheEndpoint() {
    RenderedChart chart = RenderedChart.render(LOCALSTACK);

    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(envValue(d, "AWS_ENDPOINT_URL_SQS"))
          .isEqualTo("http://localstack.localstack.svc.cluster.local:4566");
      assertThat(envValue(d, "AWS_REGION")).isEqualTo("us-east-1");
      assertThat(envValue(d, "FANOUT_QUEUE_PREFIX")).isEqualTo("fanout-");
    }
    assertThat(envValue(chart.operator(), "FANOUT_SQS_EMBEDDED")).isEqualTo("false");
    assertThat(env(chart.operator(), "FANOUT_SQS_EMBEDDED_PORT")).isEmpty();
  }

  @Test
  void namespacedModeRendersRolesInEachNamespaceAndOnlyTheConsolesReviewsClusterWide() {
    RenderedChart chart =
        RenderedChart.render(List.of(NAMESPACED), Map.of("console.enabled", true));

    // TokenReview and SubjectAccessReview have no namespaced form: the console's ClusterRole stays.
    assertThat(chart.all(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly(OPERATOR + "-console");
    assertThat(chart.all(ClusterRoleBinding.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly(OPERATOR + "-console");
    Set<String> roles = new TreeSet<>();
    chart
        .all(Role.class)
        .forEach(r -> roles.add(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()));
    assertThat(roles)
        .containsExactlyInAnyOrder(
            "team-a/" + OPERATOR,
            "team-a/" + WORKER,
            "team-b/" + OPERATOR,
            "team-b/" + WORKER,
            NAMESPACE + "/" + OPERATOR + "-leader-election");
    for (RoleBinding binding : chart.all(RoleBinding.class)) {
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(binding.getRoleRef().getName()).isEqualTo(binding.getMetadata().getName());
      assertThat(binding.getSubjects())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getName())
                    .isEqualTo(binding.getMetadata().getName().replace("-leader-election", ""));
                assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
              });
    }
    assertThat(chart.all(RoleBinding.class)).hasSize(5);
    for (Deployment d : chart.all(Deployment.class)) {
      assertThat(envValue(d, "FANOUT_NAMESPACES")).isEqualTo("team-a,team-b");
    }
  }

  @Test
  void eachPoolGetsItsOwnWorkerDeployment() {
    RenderedChart chart = RenderedChart.render(TWO_POOLS);

    assertThat(chart.workers())
        .extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder(WORKER + "-default", WORKER + "-heavy");
    assertThat(List.of(envValue(chart.operator(), "FANOUT_POOLS").split(",")))
        .as("the queues the operator creates at start")
        .containsExactlyInAnyOrder("default", "heavy");
    Deployment standard = chart.named(Deployment.class, WORKER + "-default");
    assertThat(standard.getSpec().getReplicas()).isEqualTo(2);
    assertThat(envValue(standard, "FANOUT_POOL")).isEqualTo("default");
    assertThat(envValue(standard, "FANOUT_WORKER_CONCURRENCY")).isEqualTo("8");
    assertThat(container(standard).getImage()).isEqualTo("fanout-worker:0.1.0-SNAPSHOT");
    assertThat(container(standard).getResources().getLimits().get("memory").toString())
        .isEqualTo("512Mi");

    Deployment heavy = chart.named(Deployment.class, WORKER + "-heavy");
    assertThat(heavy.getSpec().getReplicas()).isEqualTo(1);
    assertThat(envValue(heavy, "FANOUT_POOL")).isEqualTo("heavy");
    assertThat(envValue(heavy, "FANOUT_WORKER_CONCURRENCY")).isEqualTo("1");
    assertThat(container(heavy).getImage())
        .isEqualTo("registry.example.com/acme/fanout-worker-heavy:1.4.0");
    assertThat(container(heavy).getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(container(heavy).getResources().getLimits().get("memory").toString())
        .isEqualTo("4Gi");
    assertThat(heavy.getSpec().getSelector().getMatchLabels())
        .containsEntry("fanout.dev/pool", "heavy");
    assertThat(standard.getSpec().getSelector().getMatchLabels())
        .containsEntry("fanout.dev/pool", "default");
  }

  @Test
  void leaderElectionAlwaysAndTheOperatorCreatesEveryPoolsQueueAtStart() {
    Deployment single = RenderedChart.render().operator();
    assertThat(env(single, "FANOUT_LEADER_ELECTION")).isEmpty();
    assertThat(
            env(single, "POD_NAMESPACE").orElseThrow().getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(envValue(single, "FANOUT_POOLS")).isEqualTo("default");

    RenderedChart chart = RenderedChart.render(HA);
    Deployment operator = chart.operator();
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    assertThat(
            env(operator, "POD_NAMESPACE")
                .orElseThrow()
                .getValueFrom()
                .getFieldRef()
                .getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(chart.all(PodDisruptionBudget.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder(OPERATOR, WORKER + "-default");
    assertThat(chart.ofKind("ServiceMonitor"))
        .hasSize(2)
        .allSatisfy(
            m -> {
              assertThat(m.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
              assertThat(m.getMetadata().getLabels()).containsEntry("release", "prometheus");
            });
  }

  @Test
  void combinationsThatCannotWorkStopTheRenderWithAClearMessage() {
    assertThatThrownBy(() -> RenderedChart.render(List.of(), Map.of("operator.replicas", 2)))
        .hasMessageContaining("operator.replicas > 1 needs database.postgres.url");
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(POSTGRES), Map.of("operator.replicas", 2)))
        .hasMessageContaining("operator.replicas > 1 needs queue.mode endpoint or aws");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(), Map.of("database.postgres.url", "jdbc:postgresql://db/f")))
        .hasMessageContaining("database.postgres.existingSecret");
    assertThatThrownBy(() -> RenderedChart.render(List.of(), Map.of("queue.mode", "aws")))
        .hasMessageContaining("queue.mode=aws needs queue.region");
    assertThatThrownBy(() -> RenderedChart.render(List.of(), Map.of("queue.mode", "endpoint")))
        .hasMessageContaining("queue.mode=endpoint needs queue.endpoint");
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(TWO_POOLS), Map.of("pools[1].name", "default")))
        .hasMessageContaining("pools: name \"default\" appears twice");
  }

  private static final Map<String, String> OPERATOR_PODS =
      Map.of(
          "app.kubernetes.io/name", "fanout",
          "app.kubernetes.io/instance", RenderedChart.RELEASE,
          "app.kubernetes.io/component", "operator");
  private static final Map<String, String> WORKER_PODS =
      Map.of(
          "app.kubernetes.io/name", "fanout",
          "app.kubernetes.io/instance", RenderedChart.RELEASE,
          "app.kubernetes.io/component", "worker");

  private static Map<String, String> podLabels(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getLabels();
  }

  @Test
  void theEmbeddedQueuePortIsOpenOnlyToTheReleasesWorkersAndTheOperator() {
    RenderedChart chart = RenderedChart.render(TWO_POOLS);

    NetworkPolicy policy = chart.named(NetworkPolicy.class, OPERATOR);
    assertThat(policy.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(OPERATOR_PODS);
    assertThat(policy.getSpec().getPodSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(podLabels(chart.operator())).containsAllEntriesOf(OPERATOR_PODS);
    assertThat(chart.workers())
        .allSatisfy(
            w ->
                assertThat(podLabels(w))
                    .doesNotContainEntry("app.kubernetes.io/component", "operator"));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");

    List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
    assertThat(rules).hasSize(2);
    NetworkPolicyIngressRule queue = rules.get(0);
    assertThat(queue.getPorts())
        .extracting(NetworkPolicyPort::getProtocol, p -> p.getPort().getIntVal())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("TCP", 9324));
    assertThat(queue.getFrom())
        .allSatisfy(
            peer -> {
              assertThat(peer.getNamespaceSelector()).isNull();
              assertThat(peer.getIpBlock()).isNull();
              assertThat(peer.getPodSelector().getMatchExpressions()).isNullOrEmpty();
            })
        .extracting(peer -> peer.getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrder(WORKER_PODS, OPERATOR_PODS);
    // Every pool's pods are among the allowed peers.
    assertThat(chart.workers()).hasSize(2);
    for (Deployment worker : chart.workers()) {
      assertThat(podLabels(worker)).containsAllEntriesOf(WORKER_PODS);
    }
    NetworkPolicyIngressRule http = rules.get(1);
    assertThat(http.getFrom()).as("port 8080 open to all, as before").isNullOrEmpty();
    assertThat(http.getPorts())
        .extracting(NetworkPolicyPort::getProtocol, p -> p.getPort().getIntVal())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("TCP", 8080));
    assertThat(container(chart.operator()).getPorts())
        .extracting(p -> p.getContainerPort())
        .containsExactlyInAnyOrder(8080, 8090, 9324);

    NetworkPolicy moved =
        RenderedChart.render(List.of(), Map.of("queue.embeddedPort", 9400))
            .named(NetworkPolicy.class, OPERATOR);
    assertThat(moved.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal())
        .isEqualTo(9400);
  }

  /**
   * One version for the jars, the images (Jib tags the project's version) and the chart, whose
   * appVersion is the default image tag: the build's pom sets it, and this keeps the chart in step.
   */
  @Test
  void theChartAndItsDefaultImagesCarryTheBuildsVersion() throws java.io.IOException {
    java.nio.file.Path root = java.nio.file.Path.of("").toAbsolutePath();
    while (!java.nio.file.Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    String pom = java.nio.file.Files.readString(root.resolve("pom.xml"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "<artifactId>fanout-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertThat(m.find()).as("the parent pom's version").isTrue();
    String version = m.group(1);
    String chart = java.nio.file.Files.readString(root.resolve("helm/fanout/Chart.yaml"));
    assertThat(chart).contains("\nversion: " + version + "\n");
    assertThat(chart).contains("\nappVersion: \"" + version + "\"\n");
    RenderedChart rendered = RenderedChart.render();
    assertThat(container(rendered.operator()).getImage()).isEqualTo("fanout-operator:" + version);
    assertThat(container(rendered.named(Deployment.class, WORKER + "-default")).getImage())
        .isEqualTo("fanout-worker:" + version);
  }

  @Test
  void workersReachTheEmbeddedQueueEvenWhileTheOperatorIsNotReady() {
    io.fabric8.kubernetes.api.model.Service embedded =
        RenderedChart.render().named(io.fabric8.kubernetes.api.model.Service.class, OPERATOR);
    assertThat(embedded.getSpec().getPublishNotReadyAddresses()).isTrue();
    io.fabric8.kubernetes.api.model.Service aws =
        RenderedChart.render(AWS).named(io.fabric8.kubernetes.api.model.Service.class, OPERATOR);
    assertThat(aws.getSpec().getPublishNotReadyAddresses()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void theNetworkPolicyComesOnlyWithTheEmbeddedQueueAndCanBeTurnedOff() {
    assertThat(RenderedChart.render().all(NetworkPolicy.class)).hasSize(1);
    assertThat(
            RenderedChart.render(List.of(), Map.of("networkPolicy.enabled", false))
                .all(NetworkPolicy.class))
        .isEmpty();
    assertThat(RenderedChart.render(AWS).all(NetworkPolicy.class)).isEmpty();
    assertThat(RenderedChart.render(LOCALSTACK).all(NetworkPolicy.class)).isEmpty();
  }

  @Test
  void aPoolWithNamespacesGetsItsOwnAccountWithARoleInEachOfThemAndNoClusterRole() {
    RenderedChart chart = RenderedChart.render(TENANTS);
    String teamA = WORKER + "-team-a";
    String teamB = WORKER + "-team-b";

    assertThat(chart.all(ServiceAccount.class))
        .extracting(sa -> sa.getMetadata().getName())
        .containsExactlyInAnyOrder(OPERATOR, WORKER, teamA, teamB);
    Set<String> roles = new TreeSet<>();
    chart
        .all(Role.class)
        .forEach(r -> roles.add(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()));
    assertThat(roles)
        .containsExactlyInAnyOrder(
            "team-a/" + teamA,
            "team-b/" + teamB,
            "team-b-batch/" + teamB,
            NAMESPACE + "/" + OPERATOR + "-leader-election");
    roles.remove(NAMESPACE + "/" + OPERATOR + "-leader-election");
    Set<String> bindings = new TreeSet<>();
    for (RoleBinding binding : chart.all(RoleBinding.class)) {
      if (binding.getMetadata().getName().endsWith("-leader-election")) {
        continue;
      }
      bindings.add(binding.getMetadata().getNamespace() + "/" + binding.getMetadata().getName());
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(binding.getRoleRef().getName()).isEqualTo(binding.getMetadata().getName());
      assertThat(binding.getSubjects())
          .singleElement()
          .satisfies(
              subject -> {
                assertThat(subject.getKind()).isEqualTo("ServiceAccount");
                assertThat(subject.getName()).isEqualTo(binding.getMetadata().getName());
                assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
              });
    }
    assertThat(bindings).isEqualTo(roles);
    assertThat(Set.copyOf(chart.rules(teamA))).isEqualTo(Set.copyOf(WORKER_RULES));
    // Cluster-wide bindings hold only the operator (its own and the console's reviews) and the
    // shared pool's account.
    assertThat(chart.all(ClusterRoleBinding.class))
        .flatMap(ClusterRoleBinding::getSubjects)
        .extracting(s -> s.getName())
        .containsExactlyInAnyOrder(OPERATOR, OPERATOR, WORKER);

    Deployment a = chart.named(Deployment.class, teamA);
    assertThat(a.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(teamA);
    assertThat(envValue(a, "FANOUT_NAMESPACES")).isEqualTo("team-a");
    Deployment b = chart.named(Deployment.class, teamB);
    assertThat(b.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(teamB);
    assertThat(envValue(b, "FANOUT_NAMESPACES")).isEqualTo("team-b,team-b-batch");
    Deployment shared = chart.named(Deployment.class, WORKER + "-default");
    assertThat(shared.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(WORKER);
    assertThat(env(shared, "FANOUT_NAMESPACES")).isEmpty();
    assertThat(env(chart.operator(), "FANOUT_NAMESPACES")).isEmpty();
  }

  @Test
  void whenEveryPoolHasNamespacesNoWorkerAccountReachesBeyondThem() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(NAMESPACED),
            Map.of("pools[0].name", "default", "pools[0].namespaces[0]", "team-b"));

    assertThat(chart.all(ServiceAccount.class))
        .extracting(sa -> sa.getMetadata().getName())
        .containsExactlyInAnyOrder(OPERATOR, WORKER + "-default");
    assertThat(chart.rules(WORKER)).isEmpty();
    assertThat(chart.all(Role.class))
        .filteredOn(r -> r.getMetadata().getName().startsWith(WORKER))
        .extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
        .containsExactly("team-b/" + WORKER + "-default");
    assertThat(envValue(chart.operator(), "FANOUT_NAMESPACES")).isEqualTo("team-a,team-b");
    assertThat(envValue(chart.named(Deployment.class, WORKER + "-default"), "FANOUT_NAMESPACES"))
        .isEqualTo("team-b");
  }

  @Test
  void inAwsModeAPoolOfItsOwnCarriesItsOwnRole() {
    RenderedChart chart =
        RenderedChart.render(
            List.of(AWS),
            Map.of(
                "pools[0].name", "default",
                "pools[0].namespaces[0]", "team-a",
                "pools[0].roleArn", "arn:aws:iam::123456789012:role/fanout-team-a"));

    assertThat(
            chart.named(ServiceAccount.class, WORKER + "-default").getMetadata().getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/fanout-team-a");
  }

  @Test
  void execCanBeTurnedOffForEveryPoolOrForOne() {
    RenderedChart tenants = RenderedChart.render(TENANTS);
    assertThat(
            envValue(tenants.named(Deployment.class, WORKER + "-default"), "FANOUT_EXEC_ENABLED"))
        .isEqualTo("false");
    assertThat(envValue(tenants.named(Deployment.class, WORKER + "-team-a"), "FANOUT_EXEC_ENABLED"))
        .isEqualTo("true");

    assertThat(RenderedChart.render().workers())
        .allSatisfy(w -> assertThat(envValue(w, "FANOUT_EXEC_ENABLED")).isEqualTo("true"));

    RenderedChart off =
        RenderedChart.render(
            List.of(TWO_POOLS), Map.of("worker.execEnabled", false, "pools[1].execEnabled", true));
    assertThat(envValue(off.named(Deployment.class, WORKER + "-default"), "FANOUT_EXEC_ENABLED"))
        .isEqualTo("false");
    assertThat(envValue(off.named(Deployment.class, WORKER + "-heavy"), "FANOUT_EXEC_ENABLED"))
        .isEqualTo("true");
  }

  @Test
  void aShortLivedTokenReplacesTheDefaultMount() {
    for (Deployment worker : RenderedChart.render(TENANTS).workers()) {
      PodSpec pod = worker.getSpec().getTemplate().getSpec();
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
      Volume volume =
          pod.getVolumes().stream().filter(v -> v.getProjected() != null).findFirst().orElseThrow();
      var sources = volume.getProjected().getSources();
      assertThat(sources).hasSize(3);
      assertThat(sources.get(0).getServiceAccountToken().getExpirationSeconds()).isEqualTo(600L);
      assertThat(sources.get(0).getServiceAccountToken().getPath()).isEqualTo("token");
      assertThat(sources.get(1).getConfigMap().getName()).isEqualTo("kube-root-ca.crt");
      assertThat(sources.get(2).getDownwardAPI().getItems().get(0).getPath())
          .isEqualTo("namespace");
      assertThat(container(worker).getVolumeMounts())
          .anySatisfy(
              m -> {
                assertThat(m.getName()).isEqualTo(volume.getName());
                assertThat(m.getMountPath())
                    .isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
                assertThat(m.getReadOnly()).isTrue();
              });
    }
    for (Deployment worker : RenderedChart.render().workers()) {
      PodSpec pod = worker.getSpec().getTemplate().getSpec();
      assertThat(pod.getAutomountServiceAccountToken()).isNull();
      assertThat(pod.getVolumes()).allMatch(v -> v.getProjected() == null);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("variants")
  void workerPodsHaveAnInitThatReapsWhatCommandsLeaveBehind(String variant) {
    RenderedChart chart = render(variant);

    assertThat(chart.workers())
        .allSatisfy(
            w ->
                assertThat(w.getSpec().getTemplate().getSpec().getShareProcessNamespace())
                    .isTrue());
    assertThat(chart.operator().getSpec().getTemplate().getSpec().getShareProcessNamespace())
        .isNull();
  }

  @Test
  void tenantSettingsThatCannotWorkStopTheRenderWithAClearMessage() {
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(NAMESPACED),
                    Map.of("pools[0].name", "default", "pools[0].namespaces[0]", "team-c")))
        .hasMessageContaining(
            "pools: pool \"default\" serves namespace \"team-c\", which is not in watchNamespaces");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(),
                    Map.of("pools[0].name", "default", "pools[0].namespaces[0]", "Team_A")))
        .hasMessageContaining("at '/pools/0/namespaces/0': 'Team_A' does not match");
    assertThatThrownBy(
            () ->
                RenderedChart.render(
                    List.of(),
                    Map.of(
                        "pools[0].name",
                        "default",
                        "pools[0].roleArn",
                        "arn:aws:iam::123456789012:role/x")))
        .hasMessageContaining("pools: pool \"default\": roleArn needs namespaces");
    assertThatThrownBy(
            () -> RenderedChart.render(List.of(), Map.of("worker.tokenExpirationSeconds", 60)))
        .hasMessageContaining("worker.tokenExpirationSeconds must be 0");
  }

  @Test
  void chartCrdIsTheCommittedCrdByteForByte() throws IOException {
    String file = "jobs.fanout.dev-v1.yml";
    byte[] committed =
        Files.readAllBytes(RenderedChart.repositoryRoot().resolve("crds").resolve(file));
    byte[] inChart = Files.readAllBytes(RenderedChart.chartDir().resolve("files").resolve(file));

    assertThat(inChart)
        .as(
            "helm/fanout/files/%s differs from crds/%s: copy it (the api module's CRD test refreshes both)",
            file, file)
        .isEqualTo(committed);
    assertThat(RenderedChart.chartDir().resolve("crds"))
        .as("Helm would install a CRD in crds/ besides the template's, and never upgrade it")
        .doesNotExist();
  }
}
