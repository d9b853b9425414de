package dev.fanout.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart's life on a real API server with the real helm: install, upgrade with other values,
 * uninstall, each checked with kubectl. There is no kubelet and no controller manager: objects are
 * stored and validated, no pod ever runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String NS = "fanout-system";
  private static final String TEAM = "team-a";

  /** Release "fanout" holds the chart's name: objects are not named fanout-fanout-…. */
  private static final String OPERATOR = "fanout-operator";

  private static final String WORKER = "fanout-worker";

  @BeforeAll
  static void namespaceForTheUpgrade() {
    kube.createNamespace(TEAM);
  }

  @Test
  @Order(1)
  void installCreatesTheCrdServiceAccountsRbacAndDeployments() {
    String out =
        kube.helm()
            .run("install", "fanout", "helm/fanout", "--namespace", NS, "--create-namespace")
            .outOrFail();
    assertThat(out).contains("STATUS: deployed").contains("REVISION: 1");

    assertThat(
            get(
                "crd",
                "jobs.fanout.dev",
                "{.status.conditions[?(@.type==\"Established\")].status}"))
        .isEqualTo("True");
    assertThat(
            get(
                "crd",
                "jobs.fanout.dev",
                "{.metadata.annotations.meta\\.helm\\.sh/release-name}"
                    + " {.metadata.annotations.helm\\.sh/resource-policy}"))
        .as("the CRD is the release's, kept on uninstall")
        .isEqualTo("fanout keep");
    assertThat(names("serviceaccounts", "-n", NS)).contains(OPERATOR, WORKER);
    assertThat(names("clusterroles")).contains(OPERATOR, WORKER);
    assertThat(names("clusterrolebindings")).contains(OPERATOR, WORKER);
    assertThat(get("clusterrolebinding", WORKER, "{.subjects[0].namespace}/{.subjects[0].name}"))
        .isEqualTo(NS + "/" + WORKER);
    assertThat(names("deployments", "-n", NS))
        .containsExactlyInAnyOrder(OPERATOR, WORKER + "-default");
    assertThat(get("deployment", WORKER + "-default", "{.spec.replicas}", "-n", NS)).isEqualTo("1");
    assertThat(
            get(
                "deployment",
                OPERATOR,
                "{.spec.template.spec.serviceAccountName} {.status.readyReplicas}",
                "-n",
                NS))
        .as("the operator's pod spec names its account; nothing runs it here")
        .isEqualTo(OPERATOR + " ");
    assertThat(kube.kubectl().run("get", "pods", "-n", NS).err()).contains("No resources found");
    assertThat(
            get(
                "networkpolicy",
                OPERATOR,
                "{.spec.ingress[0].ports[0].port} {.spec.ingress[0].from[0].podSelector.matchLabels.app\\.kubernetes\\.io/component}",
                "-n",
                NS))
        .as("the embedded queue's port is open to the workers only")
        .isEqualTo("9324 worker");
  }

  @Test
  @Order(2)
  void upgradeWithOtherValuesChangesTheObjects() throws Exception {
    Path values =
        Files.writeString(
            kube.dir().resolve("tmp/values-upgrade.yaml"),
            """
            watchNamespaces: [%s]
            pools:
              - name: default
                replicas: 3
                concurrency: 8
              - name: gpu
                replicas: 1
              - name: tenant
                namespaces: [%s]
                execEnabled: false
            worker:
              tokenExpirationSeconds: 600
            """
                .formatted(TEAM, TEAM));
    // An older CRD in the cluster: without the short name the chart's CRD has.
    kube.kubectl()
        .run(
            "patch",
            "crd",
            "jobs.fanout.dev",
            "--type=json",
            "-p",
            "[{\"op\":\"remove\",\"path\":\"/spec/names/shortNames\"}]")
        .outOrFail();
    assertThat(get("crd", "jobs.fanout.dev", "{.spec.names.shortNames}")).isEmpty();
    String out =
        kube.helm()
            .run("upgrade", "fanout", "helm/fanout", "--namespace", NS, "-f", values.toString())
            .outOrFail();
    assertThat(out).contains("STATUS: deployed").contains("REVISION: 2");
    assertThat(get("crd", "jobs.fanout.dev", "{.spec.names.shortNames[0]}"))
        .as("helm upgrade brings the CRD up to date (a CRD in crds/ is never upgraded)")
        .isEqualTo("fjob");

    assertThat(names("deployments", "-n", NS))
        .containsExactlyInAnyOrder(
            OPERATOR, WORKER + "-default", WORKER + "-gpu", WORKER + "-tenant");
    assertThat(get("deployment", WORKER + "-default", "{.spec.replicas}", "-n", NS)).isEqualTo("3");
    assertThat(
            get(
                "deployment",
                WORKER + "-default",
                "{.spec.template.spec.containers[0].env[?(@.name==\"FANOUT_WORKER_CONCURRENCY\")].value}",
                "-n",
                NS))
        .isEqualTo("8");
    assertThat(
            get(
                "deployment",
                OPERATOR,
                "{.spec.template.spec.containers[0].env[?(@.name==\"FANOUT_NAMESPACES\")].value}",
                "-n",
                NS))
        .isEqualTo(TEAM);
    assertThat(names("clusterroles"))
        .as("one namespace watched: no cluster-wide roles")
        .doesNotContain(OPERATOR, WORKER);
    assertThat(names("roles", "-n", TEAM)).contains(OPERATOR, WORKER);
    assertThat(names("rolebindings", "-n", TEAM)).contains(OPERATOR, WORKER);
    assertThat(names("roles", "-n", TEAM))
        .as("the tenant pool's own Role")
        .contains(WORKER + "-tenant");
    assertThat(
            get(
                "rolebinding",
                WORKER + "-tenant",
                "{.subjects[0].namespace}/{.subjects[0].name}",
                "-n",
                TEAM))
        .isEqualTo(NS + "/" + WORKER + "-tenant");
    assertThat(
            get(
                "deployment",
                WORKER + "-tenant",
                "{.spec.template.spec.serviceAccountName} {.spec.template.spec.automountServiceAccountToken}"
                    + " {.spec.template.spec.volumes[?(@.name==\"kube-api-access\")].projected.sources[0].serviceAccountToken.expirationSeconds}",
                "-n",
                NS))
        .isEqualTo(WORKER + "-tenant false 600");
    // What the tenant pool's account may do, as the API server decides it.
    String tenant = "system:serviceaccount:" + NS + ":" + WORKER + "-tenant";
    assertThat(canI("patch", "jobs.fanout.dev", "--subresource=status", "-n", TEAM, "--as", tenant))
        .isTrue();
    assertThat(canI("list", "jobs.fanout.dev", "-n", TEAM, "--as", tenant)).isTrue();
    assertThat(
            canI(
                "patch",
                "jobs.fanout.dev",
                "--subresource=status",
                "-n",
                "default",
                "--as",
                tenant))
        .as("no reach beyond the pool's namespace")
        .isFalse();
    assertThat(canI("list", "jobs.fanout.dev", "--all-namespaces", "--as", tenant)).isFalse();
    assertThat(canI("get", "secrets", "-n", TEAM, "--as", tenant)).isFalse();
    assertThat(kube.helm().run("history", "fanout", "--namespace", NS).outOrFail())
        .contains("superseded")
        .contains("deployed");
  }

  @Test
  @Order(3)
  void uninstallRemovesTheReleaseButKeepsTheCrdAndTheJobsForTheNextInstall() {
    kube.kubectl().run("apply", "-n", TEAM, "-f", "examples/hello.yaml").outOrFail();

    String out = kube.helm().run("uninstall", "fanout", "--namespace", NS).outOrFail();
    assertThat(out).contains("release \"fanout\" uninstalled");

    assertThat(names("deployments", "-n", NS)).isEmpty();
    assertThat(names("serviceaccounts", "-n", NS)).doesNotContain(OPERATOR, WORKER);
    assertThat(names("roles", "-n", TEAM)).doesNotContain(OPERATOR, WORKER);
    assertThat(names("rolebindings", "-n", TEAM)).doesNotContain(OPERATOR, WORKER);
    assertThat(kube.helm().run("list", "--namespace", NS, "-q").outOrFail()).isBlank();
    assertThat(get("crd", "jobs.fanout.dev", "{.metadata.name}"))
        .as("crds.keep: the CRD outlives the release")
        .isEqualTo("jobs.fanout.dev");
    assertThat(get("fjob", "hello", "{.spec.tasks.count}", "-n", TEAM)).isEqualTo("10");

    String again =
        kube.helm().run("install", "fanout", "helm/fanout", "--namespace", NS).outOrFail();
    assertThat(again)
        .as("installing the release again adopts the CRD it kept")
        .contains("STATUS: deployed");
    assertThat(get("fjob", "hello", "{.spec.tasks.count}", "-n", TEAM)).isEqualTo("10");
  }

  private static String get(String kind, String name, String jsonPath, String... more) {
    List<String> args =
        new java.util.ArrayList<>(List.of("get", kind, name, "-o", "jsonpath=" + jsonPath));
    args.addAll(Arrays.asList(more));
    return kube.kubectl().run(args, null).outOrFail();
  }

  private static boolean canI(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("auth", "can-i"));
    command.addAll(Arrays.asList(args));
    String answer = kube.kubectl().run(command, null).out().strip();
    assertThat(answer).isIn("yes", "no");
    return answer.equals("yes");
  }

  /** The names of the objects of a kind, e.g. {@code names("roles", "-n", "x")}. */
  private static List<String> names(String kind, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("get", kind, "-o", "name"));
    args.addAll(Arrays.asList(more));
    return kube.kubectl()
        .run(args, null)
        .outOrFail()
        .lines()
        .map(l -> l.substring(l.indexOf('/') + 1))
        .toList();
  }
}
