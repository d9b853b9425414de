package dev.fanout.kube;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.api.ExampleManifests;
import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.TaskFailure;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fanout as a user meets it on a real API server: the chart installed (its ServiceAccounts and
 * RBAC, watching one namespace), the operator and two workers running as processes of the built
 * jars with those ServiceAccounts' tokens, and kubectl. Ends with the proof that the RBAC is enough
 * and no more: the audit log of everything the programs did, against what they may do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunningFanoutIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.withAuditLog();

  static final String RELEASE_NS = "fanout-system";
  static final String JOBS_NS = "team-a";
  static final String OTHER_NS = "team-b";
  static final String OPERATOR_SA = "fanout-operator";
  static final String WORKER_SA = "fanout-worker";
  private static final Pattern PROGRESS = Pattern.compile("(\\d+)/(\\d+)");

  private static Path operatorKubeconfig;
  private static Path workerKubeconfig;
  private static int queuePort;
  private static int consolePort;
  private static ChildProcess operator;
  private static final List<ChildProcess> workers = new ArrayList<>();

  @BeforeAll
  static void installChartAndStartOperator() throws Exception {
    kube.installCrd();
    for (String ns : List.of(RELEASE_NS, JOBS_NS, OTHER_NS)) {
      kube.createNamespace(ns);
    }
    kube.installChart(RELEASE_NS, "watchNamespaces={" + JOBS_NS + "}");
    operatorKubeconfig = kubeconfigOf(OPERATOR_SA);
    workerKubeconfig = kubeconfigOf(WORKER_SA);
    int[] ports = FanoutProcesses.freePorts(2);
    queuePort = ports[0];
    consolePort = ports[1];
    operator =
        FanoutJars.start(
            kube,
            "operator",
            "operator/target/fanout-operator.jar",
            Map.ofEntries(
                entry("KUBECONFIG", operatorKubeconfig.toString()),
                entry("FANOUT_NAMESPACES", JOBS_NS),
                // As the chart sets it: the leader-election Lease lives in the release namespace.
                entry("POD_NAMESPACE", RELEASE_NS),
                entry("FANOUT_DB_URL", "jdbc:h2:file:" + kube.dir().resolve("db/fanout")),
                entry("FANOUT_SQS_EMBEDDED", "true"),
                entry("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(queuePort)),
                // A retried task's second delivery goes to the dead-letter queue, so that the
                // dead-letter path (and the verbs it needs) runs too.
                entry("FANOUT_MAX_RECEIVE_COUNT", "1"),
                // The task API, checking each caller's token with the API server.
                entry("FANOUT_CONSOLE_PORT", String.valueOf(consolePort)),
                entry("FANOUT_CONSOLE_AUTH", "kubernetes")));
    FanoutJars.awaitReady(operator);
  }

  /** A kubeconfig with a token of the chart's ServiceAccount, as its pods would get. */
  private static Path kubeconfigOf(String serviceAccount) throws IOException {
    return kube.kubeconfigOfAccount(serviceAccount, RELEASE_NS, JOBS_NS);
  }

  /** A process's own Prometheus metrics. */
  private static ApiServerMetrics metricsOf(ChildProcess process)
      throws IOException, InterruptedException {
    return ApiServerMetrics.parse(process.get("/metrics").body());
  }

  /**
   * Starts the two workers once the pool's queue exists (the operator creates it for the first
   * Job): a worker started earlier backs off for up to 30 s waiting for it.
   */
  private static void ensureWorkers() throws Exception {
    if (!workers.isEmpty()) {
      return;
    }
    for (int i = 1; i <= 2; i++) {
      workers.add(
          FanoutJars.start(
              kube,
              "worker-" + i,
              "worker/target/fanout-worker.jar",
              Map.ofEntries(
                  entry("KUBECONFIG", workerKubeconfig.toString()),
                  entry("FANOUT_NAMESPACES", JOBS_NS),
                  entry("AWS_ENDPOINT_URL_SQS", "http://localhost:" + queuePort),
                  entry("FANOUT_WORKER_ID", "worker-" + i),
                  // Short long polls: a stopping worker waits for its poll to end.
                  entry("FANOUT_RECEIVE_WAIT_SECONDS", "3"))));
    }
    for (ChildProcess worker : workers) {
      FanoutJars.awaitReady(worker);
    }
  }

  @AfterAll
  static void stopProcesses() {
    // Workers first, then the operator, whose embedded queue they use; each gets 40 s (a worker
    // finishes its long poll and drains first), then a kill.
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    Map<ChildProcess, List<ProcessHandle>> stopping = new HashMap<>();
    workers.forEach(w -> stopping.put(w, w.terminate()));
    stopping.forEach((w, descendants) -> w.awaitStopped(descendants, deadline));
    if (operator != null) {
      operator.stop(Duration.ofSeconds(40));
    }
  }

  @Test
  @Order(1)
  void kubectlFollowsAJobFromApplyToComplete() throws Exception {
    Cli kubectl = kube.kubectl();
    List<String> watched = new ArrayList<>();
    try (Cli.Streaming watch = kubectl.stream("get", "fjob", "-n", JOBS_NS, "-w")) {
      Cli.Result applied = kubectl.run("apply", "-n", JOBS_NS, "-f", "examples/hello.yaml");
      assertThat(applied.outOrFail()).contains("job.fanout.dev/hello created");
      awaitPhase("hello", JobPhase.Running);
      ensureWorkers();

      Cli.Result waited =
          kubectl.run(
              "wait", "-n", JOBS_NS, "--for=condition=Complete", "fjob/hello", "--timeout=120s");
      assertThat(waited.exitCode()).as(waited.toString()).isZero();
      assertThat(waited.out()).contains("job.fanout.dev/hello condition met");

      String line;
      while ((line = watch.next(Duration.ofSeconds(30))) != null && !line.contains("Succeeded")) {
        // reads rows until the last one
      }
      watched.addAll(watch.seen());
    }
    System.out.println("kubectl get fjob -w:\n  " + String.join("\n  ", watched));
    assertThat(watched.get(0).split("\\s+"))
        .containsExactly("NAME", "PHASE", "PROGRESS", "FAILED", "DURATION", "AGE");
    List<String> rows = watched.subList(1, watched.size());
    assertThat(rows).allMatch(r -> r.startsWith("hello "));
    assertThat(rows.get(rows.size() - 1).split("\\s+"))
        .as("the last row")
        .startsWith("hello", "Succeeded", "10/10", "0");
    assertThat(rows).as("rows while it ran").anyMatch(r -> r.contains(" Running "));
    List<Integer> progress = new ArrayList<>();
    for (String row : rows) {
      Matcher m = PROGRESS.matcher(row);
      if (m.find()) {
        progress.add(Integer.parseInt(m.group(1)));
      }
    }
    assertThat(progress).as("progress in each row").isSorted().last().isEqualTo(10);

    String get = kubectl.run("get", "fjob", "hello", "-n", JOBS_NS).outOrFail();
    List<String> lines = get.lines().toList();
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAME", "PHASE", "PROGRESS", "FAILED", "DURATION", "AGE");
    String[] row = lines.get(1).split("\\s+");
    assertThat(row).hasSize(6).startsWith("hello", "Succeeded", "10/10", "0");
    assertThat(row[4]).as("DURATION, start to completion as kubectl writes it").matches("\\d+s");

    List<String> wide =
        kubectl
            .run("get", "fjob", "hello", "-n", JOBS_NS, "-o", "wide")
            .outOrFail()
            .lines()
            .toList();
    assertThat(wide.get(0).split("\\s+"))
        .containsExactly(
            "NAME", "PHASE", "PROGRESS", "FAILED", "DURATION", "AGE", "HANDLER", "POOL");
    assertThat(wide.get(1).split("\\s+")).hasSize(8).endsWith("noop", "default");

    String describe = kubectl.run("describe", "fjob", "hello", "-n", JOBS_NS).outOrFail();
    String events = describe.substring(describe.indexOf("Events:"));
    System.out.println("kubectl describe fjob hello (events):\n" + events);
    assertThat(events)
        .containsPattern("Normal\\s+Running\\s+\\S+\\s+fanout-operator\\s+Job is Running")
        .containsPattern(
            "Normal\\s+AllTasksFinished\\s+\\S+\\s+fanout-operator\\s+Succeeded: all 10 tasks succeeded");
  }

  @ParameterizedTest(name = "{0}: the API server takes it, the operator fails it naming the field")
  @MethodSource("dev.fanout.api.ExampleManifests#rejectedByOperator")
  @Order(2)
  void operatorRejectsWhatTheSchemaLetsThrough(Path file) {
    JsonNode manifest = ExampleManifests.read(file);
    String name = manifest.path("metadata").path("name").asText();
    String field = ExampleManifests.expectedField(manifest);
    Path relative = ControlPlane.repositoryRoot().relativize(file);
    kube.kubectl().run("create", "-n", JOBS_NS, "-f", relative.toString()).outOrFail();

    JobCondition failed = awaitCondition(name, JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("InvalidSpec");
    assertThat(failed.getMessage()).contains(field);
    assertThat(kube.kubectl().run("describe", "fjob", name, "-n", JOBS_NS).outOrFail())
        .containsPattern(
            "Warning\\s+InvalidSpec\\s+\\S+\\s+fanout-operator\\s+Failed: .*"
                + Pattern.quote(field));
  }

  @Test
  @Order(3)
  void aFinishedJobWithTtlZeroIsDeleted() throws Exception {
    kube.kubectl()
        .run(
            List.of("apply", "-n", JOBS_NS, "-f", "-"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata:
              name: short-lived
            spec:
              handler: noop
              tasks:
                count: 3
              ttlSecondsAfterFinished: 0
            """)
        .outOrFail();
    ensureWorkers();
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () ->
                assertThat(kube.kubectl().run("get", "fjob", "short-lived", "-n", JOBS_NS).err())
                    .contains("NotFound"));
  }

  @Test
  @Order(4)
  void aTaskDeliveredMoreOftenThanTheQueueAllowsFailsAsDeadLettered() throws Exception {
    kube.kubectl()
        .run(
            List.of("apply", "-n", JOBS_NS, "-f", "-"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata:
              name: dead-letter
            spec:
              handler: fail
              parameters:
                failAttempts: 1
              tasks:
                count: 1
            """)
        .outOrFail();
    ensureWorkers();
    JobCondition failed = awaitCondition("dead-letter", JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("MaxFailedTasksExceeded");
    assertThat(job("dead-letter").getStatus().getFailures())
        .extracting(TaskFailure::getReason)
        .containsExactly("DeadLettered");
    assertThat(kube.kubectl().run("get", "fjob", "dead-letter", "-n", JOBS_NS).outOrFail())
        .containsPattern("dead-letter\\s+Failed\\s+1/1\\s+1\\s");
    assertThat(kube.kubectl().run("describe", "fjob", "dead-letter", "-n", JOBS_NS).outOrFail())
        .containsPattern(
            "Warning\\s+MaxFailedTasksExceeded\\s+\\S+\\s+fanout-operator\\s+Failed: ");
  }

  @Test
  @Order(5)
  void statusWritesOfATwoThousandTaskJob() throws Exception {
    int tasks = 2_000;
    ApiServerMetrics before = kube.metrics();
    Map<String, ApiServerMetrics> workersBefore = workerMetrics();
    kube.kubectl()
        .run(
            List.of("apply", "-n", JOBS_NS, "-f", "-"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata:
              name: traffic
            spec:
              handler: noop
              tasks:
                count: %d
            """
                .formatted(tasks))
        .outOrFail();
    long t0 = System.nanoTime();
    awaitPhase("traffic", JobPhase.Running);
    ensureWorkers();
    Cli.Result waited =
        kube.kubectl()
            .run(
                "wait",
                "-n",
                JOBS_NS,
                "--for=condition=Complete",
                "fjob/traffic",
                "--timeout=240s");
    assertThat(waited.exitCode()).as(waited.toString()).isZero();
    double seconds = (System.nanoTime() - t0) / 1e9;
    Job job = job("traffic");
    assertThat(job.getStatus().getSucceeded()).isEqualTo(tasks);

    ApiServerMetrics delta = kube.metrics().since(before);
    Map<String, Long> status =
        delta.sumBy(
            "apiserver_request_total",
            s ->
                s.label("group").equals("fanout.dev")
                    && s.label("resource").equals("jobs")
                    && s.label("subresource").equals("status"),
            "verb",
            "code");
    long reads =
        delta.sum(
            "apiserver_request_total",
            s ->
                s.label("group").equals("fanout.dev")
                    && s.label("resource").equals("jobs")
                    && s.label("subresource").isEmpty()
                    && s.label("verb").equals("GET"));
    long writes = status.getOrDefault("PATCH 200", 0L);
    long conflicts = status.getOrDefault("PATCH 409", 0L);
    StringBuilder report = new StringBuilder();
    report.append(
        "Status traffic of a %d-task noop Job, 2 workers x 4, on kube-apiserver (its /metrics):%n"
            .formatted(tasks));
    report
        .append("  apiserver_request_total{resource=jobs,subresource=status} by verb, code: ")
        .append(status)
        .append('\n');
    report.append(
        ("  %d status writes = %.1f per 1,000 tasks; %d answered 409 (%.1f per 1,000 tasks);"
                + " %d GETs of Jobs; %.1f s%n")
            .formatted(
                writes,
                writes * 1000.0 / tasks,
                conflicts,
                conflicts * 1000.0 / tasks,
                reads,
                seconds));
    for (ChildProcess worker : workers) {
      ApiServerMetrics own =
          metricsOf(worker)
              .since(workersBefore.getOrDefault(worker.name(), ApiServerMetrics.parse("")));
      report.append(
          "  %s: fanout_status_writes %d, fanout_status_conflicts %d%n"
              .formatted(
                  worker.name(),
                  own.sum("fanout_status_writes_total", s -> true),
                  own.sum("fanout_status_conflicts_total", s -> true)));
    }
    System.out.print(report);
    assertThat(writes).as("status writes").isPositive();
    // Outcomes are batched: far fewer writes than tasks (a bound, not a speed).
    assertThat(writes).as("status writes for %d tasks", tasks).isLessThan(tasks / 5);
  }

  /** The running workers' own counters (none before the first Job: they start at zero). */
  private static Map<String, ApiServerMetrics> workerMetrics() throws Exception {
    Map<String, ApiServerMetrics> metrics = new HashMap<>();
    for (ChildProcess worker : workers) {
      metrics.put(worker.name(), metricsOf(worker));
    }
    return metrics;
  }

  @Test
  @Order(6)
  void aUserListsTheFailedTasksRetriesThemAndTheRetrySucceeds() throws Exception {
    // A user who may read and create fanout Jobs in team-a, and nothing else.
    kube.fanoutUser("analyst", JOBS_NS, "get,list,watch,create");
    Cli user =
        kube.kubectlWithPlugins(
            kube.kubeconfigOfAccount("analyst", JOBS_NS, JOBS_NS),
            Map.of("FANOUT_CONSOLE_URL", "http://127.0.0.1:" + consolePort));

    // 50 tasks; 3, 17 and 41 fail until their input (a file) is there.
    Path input = kube.dir().resolve("input-ready");
    Files.deleteIfExists(input);
    String script =
        "case $FANOUT_TASK_INDEX in 3|17|41) [ -f "
            + input
            + " ] || { echo \"no input for task $FANOUT_TASK_INDEX\"; exit 1; };; esac";
    String manifest =
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: crunch
        spec:
          handler: exec
          command: ["sh", "-c", %s]
          tasks:
            count: 50
          maxAttempts: 1
          maxFailedTasks: 3
        """
            .formatted(
                new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(script));
    Path file = kube.dir().resolve("crunch.yaml");
    Files.writeString(file, manifest);
    user.run("apply", "-n", JOBS_NS, "-f", file.toString()).outOrFail();
    ensureWorkers();
    awaitPhase("crunch", JobPhase.Succeeded);
    assertThat(kube.client().resources(Job.class).inNamespace(JOBS_NS).withName("crunch").get())
        .satisfies(j -> assertThat(j.getStatus().getFailedIndexes()).isEqualTo("3,17,41"));

    String failures = user.run("fanout", "failures", "crunch", "-n", JOBS_NS).outOrFail();
    System.out.println("kubectl fanout failures crunch:\n" + failures);
    List<String> rows = failures.lines().toList();
    assertThat(rows.get(0).split("\\s+")).startsWith("INDEX", "ATTEMPTS", "REASON", "MESSAGE");
    assertThat(rows.subList(1, rows.size()))
        .hasSize(3)
        .satisfiesExactly(
            r -> assertThat(r).startsWith("3 ").contains("Error", "no input for task 3"),
            r -> assertThat(r).startsWith("17 ").contains("Error", "no input for task 17"),
            r -> assertThat(r).startsWith("41 ").contains("Error", "no input for task 41"));

    String tasks =
        user.run("fanout", "tasks", "crunch", "--state", "failed", "-n", JOBS_NS).outOrFail();
    System.out.println("kubectl fanout tasks crunch --state failed:\n" + tasks);
    assertThat(tasks.lines().skip(1).map(l -> l.split("\\s+")[0])).containsExactly("3", "17", "41");
    String some = user.run("fanout", "tasks", "crunch", "--limit", "3", "-n", JOBS_NS).outOrFail();
    System.out.println("kubectl fanout tasks crunch --limit 3:\n" + some);
    assertThat(some.lines().skip(1).map(l -> l.split("\\s+")[1]))
        .containsExactly("Succeeded", "Succeeded", "Succeeded");

    // The input is there now: the retry runs the three tasks, and only them.
    Files.writeString(input, "ready");
    String retried = user.run("fanout", "retry", "crunch", "-n", JOBS_NS).outOrFail();
    assertThat(retried.strip()).isEqualTo("job.fanout.dev/crunch-retry-1 created");
    Job retry =
        kube.client().resources(Job.class).inNamespace(JOBS_NS).withName("crunch-retry-1").get();
    assertThat(retry.getSpec().getTasks().getIndexes()).isEqualTo("3,17,41");
    assertThat(retry.getSpec().getTasks().getCount()).isEqualTo(50);
    assertThat(retry.getSpec().getCommand()).containsExactly("sh", "-c", script);
    assertThat(retry.getMetadata().getAnnotations()).containsEntry("fanout.dev/retry-of", "crunch");

    awaitPhase("crunch-retry-1", JobPhase.Succeeded);
    Job done =
        kube.client().resources(Job.class).inNamespace(JOBS_NS).withName("crunch-retry-1").get();
    String shown = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(done);
    assertThat(done.getStatus().getProgress()).as(shown).isEqualTo("3/3");
    assertThat(done.getStatus().getSucceeded()).as(shown).isEqualTo(3);
    assertThat(done.getStatus().getCompletedIndexes()).isEqualTo("3,17,41");
    String get = user.run("fanout", "get", "crunch-retry-1", "-n", JOBS_NS).outOrFail();
    System.out.println("kubectl fanout get crunch-retry-1:\n" + get);
    assertThat(get.lines().toList().get(1).split("\\s+"))
        .startsWith("crunch-retry-1", "Succeeded", "3/3", "0");
  }

  @Test
  @Order(7)
  void theWorkerCannotReadSecretsCreateOrDeleteJobsOrTouchAnotherNamespace() {
    Cli worker = kube.kubectlWith(workerKubeconfig);
    assertThat(canI(worker, "get", "jobs.fanout.dev", "-n", JOBS_NS)).isTrue();
    assertThat(canI(worker, "watch", "jobs.fanout.dev", "-n", JOBS_NS)).isTrue();
    assertThat(canI(worker, "patch", "jobs.fanout.dev", "--subresource=status", "-n", JOBS_NS))
        .isTrue();

    assertThat(canI(worker, "get", "secrets", "-n", JOBS_NS)).isFalse();
    assertThat(canI(worker, "list", "secrets", "-n", RELEASE_NS)).isFalse();
    assertThat(canI(worker, "create", "jobs.fanout.dev", "-n", JOBS_NS)).isFalse();
    assertThat(canI(worker, "delete", "jobs.fanout.dev", "-n", JOBS_NS)).isFalse();
    assertThat(canI(worker, "patch", "jobs.fanout.dev", "-n", JOBS_NS)).as("spec").isFalse();
    assertThat(canI(worker, "get", "jobs.fanout.dev", "-n", OTHER_NS)).isFalse();
    assertThat(canI(worker, "patch", "jobs.fanout.dev", "--subresource=status", "-n", OTHER_NS))
        .isFalse();
    assertThat(canI(worker, "list", "jobs.fanout.dev", "--all-namespaces")).isFalse();

    Cli.Result secrets = worker.run("get", "secrets", "-n", JOBS_NS);
    assertThat(secrets.exitCode()).isNotZero();
    assertThat(secrets.err())
        .contains("Forbidden")
        .contains("system:serviceaccount:" + RELEASE_NS + ":" + WORKER_SA);
  }

  @Test
  @Order(8)
  void theProgramsUsedEveryVerbTheyMayAndWereNeverDenied() throws IOException {
    List<JsonNode> audit = kube.auditEvents();
    Set<String> operatorUsed = used(audit, OPERATOR_SA);
    Set<String> workerUsed = used(audit, WORKER_SA);
    Set<String> operatorMay = granted(kube.kubectlWith(operatorKubeconfig));
    // Every authenticated user may ask what it may do (system:basic-user); the operator asks
    // before it watches worker Deployments, which this install does not let it scale.
    operatorMay.add("selfsubjectaccessreviews.authorization.k8s.io create");
    Set<String> workerMay = granted(kube.kubectlWith(workerKubeconfig));
    System.out.printf(
        "RBAC in %s, from the audit log:%n  operator may %s%n           used %s%n"
            + "  worker   may %s%n           used %s%n",
        JOBS_NS, operatorMay, operatorUsed, workerMay, workerUsed);

    List<String> denied =
        programs(audit).stream()
            .filter(e -> e.path("responseStatus").path("code").asInt() == 403)
            .map(
                e -> e.path("user").path("username").asText() + " " + e.path("requestURI").asText())
            .toList();
    assertThat(denied).as("requests of the programs the API server refused").isEmpty();
    assertThat(operatorUsed).as("what the operator did is within its RBAC").isSubsetOf(operatorMay);
    assertThat(operatorMay)
        .as("the operator's RBAC: nothing it does not use")
        .isEqualTo(operatorUsed);
    assertThat(workerUsed).as("what the workers did is within their RBAC").isSubsetOf(workerMay);
    // A worker reads a Job (get) only after a 409 or for a Job its informer does not hold yet:
    // whether a run needs it is up to timing. Every other verb it may, it must have used.
    Set<String> unused = new TreeSet<>(workerMay);
    unused.removeAll(workerUsed);
    assertThat(unused)
        .as("the workers' RBAC: nothing they do not use")
        .isSubsetOf(Set.of("jobs.fanout.dev get"));
  }

  /** The requests of the operator and the workers, not of this test's kubectl with their tokens. */
  private static List<JsonNode> programs(List<JsonNode> audit) {
    return audit.stream()
        .filter(e -> !e.path("userAgent").asText().startsWith("kubectl/"))
        .toList();
  }

  /** {@code resource[/subresource] verb} of each request the ServiceAccount's program made. */
  private static Set<String> used(List<JsonNode> audit, String serviceAccount) {
    String user = "system:serviceaccount:" + RELEASE_NS + ":" + serviceAccount;
    Set<String> used = new TreeSet<>();
    for (JsonNode e : programs(audit)) {
      JsonNode ref = e.path("objectRef");
      if (!e.path("user").path("username").asText().equals(user) || ref.isMissingNode()) {
        continue;
      }
      String resource = ref.path("resource").asText();
      String group = ref.path("apiGroup").asText();
      String sub = ref.path("subresource").asText();
      used.add(
          resource
              + (group.isEmpty() ? "" : "." + group)
              + (sub.isEmpty() ? "" : "/" + sub)
              + " "
              + e.path("verb").asText());
    }
    return used;
  }

  /**
   * {@code resource[/subresource] verb} of what {@code kubectl auth can-i --list} says this
   * identity may do in the Jobs' namespace, for Fanout's resources and events.
   */
  private static Set<String> granted(Cli as) {
    Set<String> granted =
        grantedIn(
            as,
            JOBS_NS,
            r ->
                r.contains("fanout.dev")
                    || r.equals("events")
                    // The task API's checks of its callers (cluster-scoped resources).
                    || r.equals("tokenreviews.authentication.k8s.io")
                    || r.equals("subjectaccessreviews.authorization.k8s.io"));
    // The leader-election Lease lives in the release namespace.
    granted.addAll(grantedIn(as, RELEASE_NS, r -> r.equals("leases.coordination.k8s.io")));
    return granted;
  }

  private static Set<String> grantedIn(
      Cli as, String namespace, java.util.function.Predicate<String> resources) {
    String list = as.run("auth", "can-i", "--list", "-n", namespace).outOrFail();
    Set<String> granted = new TreeSet<>();
    for (String line : list.lines().skip(1).toList()) {
      String[] columns = line.strip().split("\\s+");
      String resource = columns[0];
      if (!resources.test(resource)) {
        continue;
      }
      String verbs = line.substring(line.indexOf('[', line.indexOf(']') + 1));
      for (String verb : verbs.replaceAll("[\\[\\]]", "").split("\\s+")) {
        if (!verb.isBlank()) {
          granted.add(resource + " " + verb);
        }
      }
    }
    return granted;
  }

  private static boolean canI(Cli as, String... args) {
    List<String> command = new ArrayList<>(List.of("auth", "can-i"));
    command.addAll(List.of(args));
    Cli.Result result = as.run(command, null);
    assertThat(result.out().strip()).as(result.toString()).isIn("yes", "no");
    return result.out().strip().equals("yes");
  }

  private static Job job(String name) {
    return kube.client().resources(Job.class).inNamespace(JOBS_NS).withName(name).get();
  }

  private static void awaitPhase(String name, JobPhase phase) {
    kube.awaitPhase(JOBS_NS, name, phase);
  }

  private static JobCondition awaitCondition(String name, String type) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Job job = job(name);
              return job == null || job.getStatus() == null
                  ? null
                  : job.getStatus().condition(type);
            },
            c -> c != null && "True".equals(c.getStatus()));
  }
}
