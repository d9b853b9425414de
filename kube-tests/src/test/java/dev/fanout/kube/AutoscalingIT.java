package dev.fanout.kube;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker pool that scales itself, on a real API server: the chart's pool Deployment (autoscaling
 * builtin, its Role), the operator as a process with the chart's account, Jobs applied, and the
 * Deployment's replicas, Events and the operator's /metrics read back. No kubelet runs the pods:
 * the test starts worker processes itself when it wants the Jobs to finish.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AutoscalingIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String NS = "fanout-system";
  private static final String JOBS_NS = "team-a";
  private static final String DEPLOYMENT = "fanout-worker-default";
  private static final int DELAY_SECONDS = 5;

  private static int queuePort;
  private static ChildProcess operator;
  private static final List<ChildProcess> workers = new ArrayList<>();

  @BeforeAll
  static void installAndStartTheOperator() throws Exception {
    kube.createNamespace(NS);
    kube.createNamespace(JOBS_NS);
    kube.helm()
        .run(
            "install",
            "fanout",
            "helm/fanout",
            "--namespace",
            NS,
            "--set",
            "watchNamespaces={" + JOBS_NS + "}",
            "--set",
            "pools[0].name=default",
            "--set",
            "pools[0].autoscaling.enabled=true",
            "--set",
            "pools[0].autoscaling.scaleDownDelaySeconds=" + DELAY_SECONDS)
        .outOrFail();
    queuePort = FanoutProcesses.freePorts(1)[0];
    operator =
        FanoutJars.startReady(
            kube,
            "operator",
            FanoutJars.OPERATOR,
            Map.ofEntries(
                entry("KUBECONFIG", kubeconfigOf("fanout-operator").toString()),
                entry("FANOUT_NAMESPACES", JOBS_NS),
                entry("POD_NAMESPACE", NS),
                entry("FANOUT_WORKERS_NAMESPACE", NS),
                entry("FANOUT_DB_URL", "jdbc:h2:file:" + kube.dir().resolve("db/fanout")),
                entry("FANOUT_SQS_EMBEDDED", "true"),
                entry("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(queuePort))));
  }

  @AfterAll
  static void stopProcesses() {
    workers.forEach(w -> w.stop(Duration.ofSeconds(40)));
    if (operator != null) {
      operator.stop(Duration.ofSeconds(40));
    }
  }

  private static Path kubeconfigOf(String account) throws Exception {
    return kube.kubeconfigOfAccount(account, NS, JOBS_NS);
  }

  private static int replicas() {
    Integer n =
        kube.client()
            .apps()
            .deployments()
            .inNamespace(NS)
            .withName(DEPLOYMENT)
            .get()
            .getSpec()
            .getReplicas();
    return n == null ? -1 : n;
  }

  private static List<String> scaledEvents() {
    return kube.client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> DEPLOYMENT.equals(e.getInvolvedObject().getName()))
        // Named <object>.<hex milliseconds>, as client-go's recorder names them: in order.
        .sorted(Comparator.comparing((Event e) -> e.getMetadata().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
        .toList();
  }

  /** The Event follows the scaling it tells of by a few milliseconds. */
  private static void awaitLastEvent(String expected) {
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(scaledEvents()).last().isEqualTo(expected));
  }

  private static void awaitLastEventMatching(String regex) {
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(scaledEvents()).last().asString().matches(regex));
  }

  private static Job job(String name, int count, Integer parallelism) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(JOBS_NS).build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    TaskSource tasks = new TaskSource();
    tasks.setCount(count);
    spec.setTasks(tasks);
    spec.setParallelism(parallelism);
    // One task a message: packed, the warm workers would finish a burst of noop tasks before the
    // scaler's next look, and these tests are about what the scaler does with a backlog.
    spec.setTasksPerMessage(1);
    job.setSpec(spec);
    return kube.client().resources(Job.class).inNamespace(JOBS_NS).resource(job).create();
  }

  private static void awaitPhase(String name, JobPhase phase) {
    kube.awaitPhase(JOBS_NS, name, phase);
  }

  private static String metrics() throws Exception {
    return operator.get("/metrics").body();
  }

  @Test
  @Order(1)
  void anIdlePoolGoesToZeroAfterTheDelay() {
    Deployment d = kube.client().apps().deployments().inNamespace(NS).withName(DEPLOYMENT).get();
    assertThat(d.getMetadata().getAnnotations()).containsEntry("fanout.dev/autoscale", "true");
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas() == 0);
    awaitLastEvent(
        "Normal Scaled: Scaled from 1 to 0: no runnable task in pool default for "
            + DELAY_SECONDS
            + " s");
    assertThat(scaledEvents()).hasSize(1);
  }

  @Test
  @Order(2)
  void aThousandTaskJobWithNoWorkerScalesTheDeploymentToItsMaximumWithinFiveSeconds()
      throws Exception {
    long created = System.nanoTime();
    job("burst", 1000, null);
    awaitPhase("burst", JobPhase.Running);
    long running = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> replicas() == 10);
    System.out.printf(
        "Scaled 0 -> 10 %.1f s after the Job was created, %.1f s after it turned Running%n",
        (System.nanoTime() - created) / 1e9, (System.nanoTime() - running) / 1e9);
    awaitLastEvent(
        "Normal Scaled: Scaled from 0 to 10: 1000 runnable tasks in pool default, 8 per replica");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(metrics())
                    .contains("fanout_pool_runnable_tasks{pool=\"default\"} 1000.0")
                    .contains("fanout_pool_desired_replicas{pool=\"default\"} 10.0")
                    .containsPattern(
                        "fanout_queue_messages\\{pool=\"default\",state=\"visible\"\\} [1-9]"));
  }

  @Test
  @Order(3)
  void aSuspendedJobCountsNothingAndTheWorkersGoAfterTheDelay() {
    kube.kubectl()
        .run(
            "patch",
            "fjob",
            "burst",
            "-n",
            JOBS_NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":true}}")
        .outOrFail();
    awaitPhase("burst", JobPhase.Suspended);
    assertThat(replicas()).as("not at once").isEqualTo(10);
    await().atMost(Duration.ofSeconds(DELAY_SECONDS + 10)).until(() -> replicas() == 0);
    awaitLastEvent(
        "Normal Scaled: Scaled from 10 to 0: no runnable task in pool default for "
            + DELAY_SECONDS
            + " s");
  }

  @Test
  @Order(4)
  void aJobWithParallelismTwoAsksForOneWorker() {
    job("narrow", 200, 2);
    awaitPhase("narrow", JobPhase.Running);
    await().atMost(Duration.ofSeconds(5)).until(() -> replicas() == 1);
    awaitLastEvent(
        "Normal Scaled: Scaled from 0 to 1: 2 runnable tasks in pool default, 8 per replica");
  }

  @Test
  @Order(5)
  void withWorkersRunningTheJobsFinishAndThePoolReturnsToZero() throws Exception {
    kube.kubectl()
        .run(
            "patch",
            "fjob",
            "burst",
            "-n",
            JOBS_NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":false}}")
        .outOrFail();
    await().atMost(Duration.ofSeconds(5)).until(() -> replicas() == 10);
    // The kubelet's part, for two of the ten replicas.
    Path workerKubeconfig = kubeconfigOf("fanout-worker");
    for (int i = 1; i <= 2; i++) {
      workers.add(
          FanoutJars.startReady(
              kube,
              "worker-" + i,
              FanoutJars.WORKER,
              Map.ofEntries(
                  entry("KUBECONFIG", workerKubeconfig.toString()),
                  entry("FANOUT_NAMESPACES", JOBS_NS),
                  entry("AWS_ENDPOINT_URL_SQS", "http://localhost:" + queuePort),
                  entry("FANOUT_WORKER_ID", "worker-" + i),
                  entry("FANOUT_RECEIVE_WAIT_SECONDS", "3"))));
    }
    awaitPhase("burst", JobPhase.Succeeded);
    awaitPhase("narrow", JobPhase.Succeeded);
    await().atMost(Duration.ofSeconds(DELAY_SECONDS + 10)).until(() -> replicas() == 0);
    awaitLastEventMatching(
        "Normal Scaled: Scaled from \\d+ to 0: no runnable task in pool default for 5 s");
  }

  @Test
  @Order(6)
  void minAndMaxHoldAndAnUpgradeLeavesTheCountToTheScaler() throws Exception {
    kube.helm()
        .run(
            "upgrade",
            "fanout",
            "helm/fanout",
            "--namespace",
            NS,
            "--reuse-values",
            // A --set into a list builds its entry anew: the pool is given whole.
            "--set",
            "pools[0].name=default",
            "--set",
            "pools[0].autoscaling.enabled=true",
            "--set",
            "pools[0].autoscaling.scaleDownDelaySeconds=" + DELAY_SECONDS,
            "--set",
            "pools[0].autoscaling.minReplicas=2",
            "--set",
            "pools[0].autoscaling.maxReplicas=3")
        .outOrFail();
    await().atMost(Duration.ofSeconds(5)).until(() -> replicas() == 2);
    awaitLastEvent("Normal Scaled: Scaled from 0 to 2: fanout.dev/min-replicas is 2");
    job("again", 1000, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> replicas() == 3);
    // The workers started above take tasks at once.
    awaitLastEventMatching(
        "Normal Scaled: Scaled from 2 to 3: \\d+ runnable tasks in pool default, 8 per replica");
    awaitPhase("again", JobPhase.Succeeded);
    await().atMost(Duration.ofSeconds(DELAY_SECONDS + 10)).until(() -> replicas() == 2);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .alias("the minimum, once idle")
        .until(() -> replicas() == 2);
  }

  @Test
  @Order(7)
  void theOperatorMayScaleWorkerDeploymentsOfItsNamespaceOnlyAndNothingElse() {
    Cli kubectl = kube.kubectl();
    String as = "--as=system:serviceaccount:" + NS + ":fanout-operator";
    assertThat(canI(kubectl, as, "update", "deployments", "--subresource=scale", "-n", NS))
        .isTrue();
    assertThat(canI(kubectl, as, "patch", "deployments", "--subresource=scale", "-n", NS)).isTrue();
    assertThat(canI(kubectl, as, "watch", "deployments", "-n", NS)).isTrue();
    assertThat(canI(kubectl, as, "update", "deployments", "-n", NS)).isFalse();
    assertThat(canI(kubectl, as, "create", "deployments", "-n", NS)).isFalse();
    assertThat(canI(kubectl, as, "delete", "pods", "-n", NS)).isFalse();
    assertThat(canI(kubectl, as, "update", "deployments", "--subresource=scale", "-n", JOBS_NS))
        .isFalse();
    assertThat(canI(kubectl, as, "list", "deployments", "-n", "default")).isFalse();
  }

  @Test
  @Order(8)
  void withKedasCrdTheServerTakesTheScaledObjectOfKedaMode() {
    Path crd = Binaries.locate().kedaCrd();
    if (!java.nio.file.Files.isRegularFile(crd)) {
      String missing = crd + " is missing: run scripts/control-plane.sh";
      if (Binaries.required()) {
        throw new AssertionError(missing);
      }
      org.junit.jupiter.api.Assumptions.abort(missing);
    }
    Cli kubectl = kube.kubectl();
    kubectl.run("apply", "--server-side", "-f", crd.toString()).outOrFail();
    kubectl
        .run("wait", "--for=condition=Established", "crd/scaledobjects.keda.sh", "--timeout=60s")
        .outOrFail();
    String ns = "keda-mode";
    kube.helm()
        .run(
            "install",
            "keda-mode",
            "helm/fanout",
            "--namespace",
            ns,
            "--create-namespace",
            "--set",
            "crds.install=false",
            "--set",
            "pools[0].name=default",
            "--set",
            "pools[0].autoscaling.enabled=true",
            "--set",
            "pools[0].autoscaling.mode=keda",
            "--set",
            "pools[0].autoscaling.maxReplicas=4")
        .outOrFail();
    String stored =
        kubectl
            .run(
                "get",
                "scaledobject",
                "keda-mode-fanout-worker-default",
                "-n",
                ns,
                "-o",
                "jsonpath={.spec.scaleTargetRef.name} {.spec.maxReplicaCount}"
                    + " {.spec.triggers[0].type} {.spec.triggers[0].metadata.queueURL}"
                    + " {.spec.triggers[0].metadata.awsEndpoint}")
            .outOrFail();
    assertThat(stored)
        .isEqualTo(
            "keda-mode-fanout-worker-default 4 aws-sqs-queue fanout-default"
                + " http://keda-mode-fanout-operator.keda-mode:9324");
    assertThat(
            kube.client()
                .apps()
                .deployments()
                .inNamespace(ns)
                .withName("keda-mode-fanout-worker-default")
                .get()
                .getMetadata()
                .getAnnotations())
        .as("KEDA scales it, not the operator")
        .doesNotContainKey("fanout.dev/autoscale");
  }

  @Test
  @Order(9)
  void aDeploymentWithoutTheAnnotationIsLeftAloneAndABadAnnotationIsAWarning() {
    Cli kubectl = kube.kubectl();
    kubectl
        .run("create", "deployment", "manual", "--image=fanout-worker", "--replicas=3", "-n", NS)
        .outOrFail();
    kubectl.run("label", "deployment", "manual", "fanout.dev/pool=default", "-n", NS).outOrFail();
    kubectl
        .run(
            "annotate",
            "deployment",
            DEPLOYMENT,
            "fanout.dev/max-replicas=lots",
            "--overwrite",
            "-n",
            NS)
        .outOrFail();
    job("ignored", 1000, null);
    awaitPhase("ignored", JobPhase.Running);
    awaitLastEvent(
        "Warning InvalidAutoscaling: Not scaled: fanout.dev/max-replicas must be an integer, was"
            + " \"lots\"");
    int before = replicas();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                replicas() == before
                    && kube.client()
                            .apps()
                            .deployments()
                            .inNamespace(NS)
                            .withName("manual")
                            .get()
                            .getSpec()
                            .getReplicas()
                        == 3);
    assertThat(scaledEvents().stream().filter(e -> e.contains("InvalidAutoscaling")).count())
        .as("said once")
        .isEqualTo(1);
  }

  private static boolean canI(Cli kubectl, String... args) {
    List<String> all = new ArrayList<>(List.of("auth", "can-i"));
    all.addAll(List.of(args));
    return kubectl.run(all.toArray(String[]::new)).out().strip().equals("yes");
  }
}
