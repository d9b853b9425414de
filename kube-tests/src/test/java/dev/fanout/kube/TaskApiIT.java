package dev.fanout.kube;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's task API on a real API server: the chart installed, the operator jar running with
 * the chart's operator account and its console on (Kubernetes auth), and users who are
 * ServiceAccounts with tokens from {@code kubectl create token} and Roles of their own. Checks who
 * may read what (TokenReview, SubjectAccessReview), that a submitted Job is created with the user's
 * token, and that 100,000 tasks page through in constant memory.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TaskApiIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  static final String RELEASE_NS = "fanout-system";
  static final String A = "team-a";
  static final String B = "team-b";
  static final String OPERATOR_SA = "fanout-operator";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static ChildProcess operator;
  private static int consolePort;
  private static String readerToken;
  private static String submitterToken;

  @BeforeAll
  static void installChartAndStartOperator() throws Exception {
    kube.installCrd();
    for (String ns : List.of(RELEASE_NS, A, B)) {
      kube.createNamespace(ns);
    }
    // console.enabled: the console's port on the Service too (the review rights come always).
    kube.installChart(RELEASE_NS, "console.enabled=true");
    // reader: may read Fanout Jobs in team-a; submitter: may also create them there.
    kube.fanoutUser("reader", A, "get,list,watch");
    kube.fanoutUser("submitter", A, "get,list,watch,create");
    readerToken = token("reader");
    submitterToken = token("submitter");

    kube.client().resource(job(A, "small", 10, null)).create();
    kube.client().resource(job(B, "secret-plans", 3, null)).create();

    Path operatorKubeconfig = kube.kubeconfigOfAccount(OPERATOR_SA, RELEASE_NS, RELEASE_NS);
    int[] ports = FanoutProcesses.freePorts(2);
    consolePort = ports[0];
    operator =
        FanoutJars.startReady(
            kube,
            "operator",
            FanoutJars.OPERATOR,
            Map.ofEntries(
                entry("KUBECONFIG", operatorKubeconfig.toString()),
                entry("POD_NAMESPACE", RELEASE_NS),
                entry("FANOUT_DB_URL", "jdbc:h2:file:" + kube.dir().resolve("db/fanout")),
                entry("FANOUT_SQS_EMBEDDED", "true"),
                entry("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(ports[1])),
                entry("FANOUT_CONSOLE_PORT", String.valueOf(consolePort)),
                entry("FANOUT_CONSOLE_AUTH", "kubernetes"),
                // A small heap: paging 100,000 rows must not need more.
                entry("JAVA_TOOL_OPTIONS", "-Xmx128m")));
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.stop(Duration.ofSeconds(40));
    }
  }

  private static String token(String account) {
    return kube.kubectl()
        .run("create", "token", account, "-n", A, "--duration=1h")
        .outOrFail()
        .strip();
  }

  @Test
  @Order(1)
  void aUserReadsTheJobsOfANamespaceItMayListAndGets403ForAnother() throws Exception {
    JsonNode listed =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("/api/v1/jobs?namespace=" + A, readerToken).json(),
                l -> names(l).contains("small"));
    assertThat(names(listed)).containsExactly("small");

    // Without a namespace: the Jobs of every namespace the user may list, and only those.
    assertThat(names(get("/api/v1/jobs", readerToken).json())).containsExactly("small");

    // Listed as soon as the console's informer has it; its rows once the leader fanned it out.
    Answer tasks =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("/api/v1/namespaces/" + A + "/jobs/small/tasks?limit=4", readerToken),
                a -> a.status() != 200 || !a.json().path("items").isEmpty());
    assertThat(tasks.status()).as(tasks.body()).isEqualTo(200);
    assertThat(tasks.json().path("items")).hasSize(4);
    assertThat(tasks.json().path("next").asInt()).isEqualTo(3);
    Answer detail = get("/api/v1/namespaces/" + A + "/jobs/small", readerToken);
    assertThat(detail.json().path("spec").path("handler").asText()).isEqualTo("noop");

    for (String path :
        List.of(
            "/api/v1/jobs?namespace=" + B,
            "/api/v1/namespaces/" + B + "/jobs/secret-plans",
            "/api/v1/namespaces/" + B + "/jobs/secret-plans/tasks")) {
      Answer denied = get(path, readerToken);
      assertThat(denied.status()).as(path).isEqualTo(403);
      assertThat(denied.json().path("error").asText())
          .as(path)
          .contains("system:serviceaccount:" + A + ":reader")
          .contains(B);
      assertThat(denied.json().path("status").asInt()).isEqualTo(403);
    }
  }

  @Test
  @Order(2)
  void withoutAValidTokenEveryApiRequestIs401() throws Exception {
    for (String authorization :
        new String[] {null, "Bearer not-a-token", "Basic cmVhZGVyOng=", "Bearer "}) {
      Answer answer = send(request("/api/v1/jobs", authorization).GET().build());
      assertThat(answer.status()).as(String.valueOf(authorization)).isEqualTo(401);
      assertThat(answer.json().path("status").asInt()).isEqualTo(401);
      assertThat(answer.json().path("error").asText()).isNotBlank();
    }
    // A token the API server issued for a deleted account is refused too.
    kube.kubectl().run("create", "serviceaccount", "gone", "-n", A).outOrFail();
    String goneToken = token("gone");
    kube.kubectl().run("delete", "serviceaccount", "gone", "-n", A).outOrFail();
    assertThat(get("/api/v1/jobs", goneToken).status()).isEqualTo(401);
    // The page itself needs no token: it asks for one.
    assertThat(send(request("/", null).GET().build()).status()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void reviewsAreAskedOncePerTokenAndNamespaceAndAskedAgainAfterTenSeconds() throws Exception {
    String fresh = token("reader");
    ApiServerMetrics before = kube.metrics();
    for (int i = 0; i < 20; i++) {
      assertThat(get("/api/v1/jobs?namespace=" + A, fresh).status()).isEqualTo(200);
      assertThat(get("/api/v1/jobs?namespace=" + B, fresh).status()).isEqualTo(403);
    }
    ApiServerMetrics delta = kube.metrics().since(before);
    assertThat(reviews(delta, "tokenreviews")).as("TokenReviews for 40 requests").isEqualTo(1);
    assertThat(reviews(delta, "subjectaccessreviews"))
        .as("SubjectAccessReviews for 40 requests in 2 namespaces")
        .isEqualTo(2);

    ApiServerMetrics later = kube.metrics();
    await().pollDelay(Duration.ofSeconds(11)).atMost(Duration.ofSeconds(20)).until(() -> true);
    assertThat(get("/api/v1/jobs?namespace=" + A, fresh).status()).isEqualTo(200);
    assertThat(reviews(kube.metrics().since(later), "tokenreviews"))
        .as("after the 10 s the answers are kept")
        .isEqualTo(1);
  }

  private static long reviews(ApiServerMetrics delta, String resource) {
    return delta.sum("apiserver_request_total", s -> resource.equals(s.label("resource")));
  }

  @Test
  @Order(3)
  void aJobIsSubmittedWithTheUsersOwnTokenSoTheApiServerDecides() throws Exception {
    String manifest =
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: from-the-console
        spec:
          handler: noop
          tasks:
            count: 5
        """;
    Answer refused = post("/api/v1/namespaces/" + A + "/jobs", readerToken, manifest);
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    // The API server's own words: the user, the verb, the resource.
    assertThat(refused.json().path("error").asText())
        .contains("system:serviceaccount:" + A + ":reader")
        .contains("cannot create resource \"jobs\"");

    Answer created = post("/api/v1/namespaces/" + A + "/jobs", submitterToken, manifest);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().path("metadata").path("namespace").asText()).isEqualTo(A);
    Job job = kube.client().resources(Job.class).inNamespace(A).withName("from-the-console").get();
    assertThat(job.getSpec().getTasks().getCount()).isEqualTo(5);

    Answer elsewhere = post("/api/v1/namespaces/" + B + "/jobs", submitterToken, manifest);
    assertThat(elsewhere.status()).isEqualTo(403);
    assertThat(elsewhere.json().path("error").asText()).contains("in the namespace \"" + B + "\"");

    String invalid = manifest.replace("from-the-console", "no-command").replace("noop", "exec");
    Answer unprocessable = post("/api/v1/namespaces/" + A + "/jobs", submitterToken, invalid);
    assertThat(unprocessable.status()).as(unprocessable.body()).isEqualTo(422);
    assertThat(unprocessable.json().path("error").asText())
        .contains("spec.command is required when spec.handler is exec");
  }

  @Test
  @Order(4)
  void theOperatorMayReviewTokensAndAccessAndStillCannotCreateJobs() {
    ClusterRole console =
        kube.client().rbac().clusterRoles().withName("fanout-operator-console").get();
    assertThat(console.getRules())
        .containsExactlyInAnyOrder(
            rule("authentication.k8s.io", "tokenreviews"),
            rule("authorization.k8s.io", "subjectaccessreviews"));
    String as = "--as=system:serviceaccount:" + RELEASE_NS + ":" + OPERATOR_SA;
    Cli kubectl = kube.kubectl();
    assertThat(kubectl.run("auth", "can-i", "create", "tokenreviews", as).out().strip())
        .isEqualTo("yes");
    assertThat(kubectl.run("auth", "can-i", "create", "subjectaccessreviews", as).out().strip())
        .isEqualTo("yes");
    // The Job submitted above was created with the user's token, not with the operator's rights.
    assertThat(kubectl.run("auth", "can-i", "create", "jobs.fanout.dev", "-n", A, as).out().strip())
        .isEqualTo("no");
    assertThat(kubectl.run("auth", "can-i", "get", "tokenreviews", as).out().strip())
        .isEqualTo("no");
  }

  @Test
  @Order(5)
  void aWatchStreamsOnlyTheNamespacesTheUserMayList() throws Exception {
    HttpResponse<Stream<String>> stream =
        HTTP.send(
            request("/api/v1/watch", "Bearer " + readerToken).GET().build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofVirtual().start(() -> stream.body().forEach(lines::add));
    try {
      List<String> seen = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline
          && !seen.containsAll(List.of(A + "/small", A + "/from-the-console"))) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line != null && line.startsWith("data: ")) {
          JsonNode data = JSON.readTree(line.substring(6));
          seen.add(data.path("namespace").asText() + "/" + data.path("name").asText());
        }
      }
      assertThat(seen).contains(A + "/small", A + "/from-the-console");
      assertThat(seen).noneMatch(s -> s.startsWith(B + "/"));
    } finally {
      stream.body().close();
      reader.interrupt();
    }
    assertThat(send(request("/api/v1/watch", null).GET().build()).status()).isEqualTo(401);
  }

  @Test
  @Order(6)
  void aHundredThousandTasksPageThroughInPagesOfAThousandInConstantMemory() throws Exception {
    kube.client().resource(job(A, "big", 100_000, 10)).create();
    String tasks = "/api/v1/namespaces/" + A + "/jobs/big/tasks";
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> get(tasks + "?limit=1", readerToken),
            a -> a.status() == 200 && a.json().path("items").size() == 1);
    long heapBefore = heapUsed();
    List<Long> heap = new ArrayList<>();

    int expected = 0;
    int pages = 0;
    List<Long> millis = new ArrayList<>();
    Integer after = null;
    while (true) {
      long start = System.nanoTime();
      Answer page =
          get(tasks + "?limit=1000" + (after == null ? "" : "&after=" + after), readerToken);
      millis.add((System.nanoTime() - start) / 1_000_000);
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      JsonNode items = page.json().path("items");
      for (JsonNode item : items) {
        assertThat(item.path("index").asInt()).isEqualTo(expected++);
        assertThat(item.path("state").asText()).isIn("Pending", "Sent");
      }
      pages++;
      if (pages % 20 == 0) {
        heap.add(heapUsed() / 1048576);
      }
      JsonNode next = page.json().path("next");
      if (next.isNull()) {
        break;
      }
      assertThat(items).hasSize(1000);
      after = next.asInt();
    }
    long heapAfter = heapUsed();
    assertThat(expected).as("every index once, in order").isEqualTo(100_000);
    assertThat(pages).isEqualTo(100);

    int pending = 0;
    after = -1;
    while (after != null) {
      JsonNode page = get(tasks + "?state=pending&limit=1000&after=" + after, readerToken).json();
      pending += page.path("items").size();
      after = page.path("next").isNull() ? null : page.path("next").asInt();
    }
    assertThat(pending).as("parallelism 10: the rest wait").isBetween(99_990, 100_000);

    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf(
        "TaskApiIT: 100,000 tasks in %d pages of 1,000 through the API (token checked, cached):"
            + " per page median %d ms, p90 %d ms, max %d ms, first %d ms, total %d ms;"
            + " operator (-Xmx128m) heap used %.1f MiB before paging, %.1f MiB after, every 20"
            + " pages %s MiB; %d Pending%n",
        pages,
        sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() * 9 / 10),
        sorted.get(sorted.size() - 1),
        millis.get(0),
        millis.stream().mapToLong(Long::longValue).sum(),
        heapBefore / 1048576.0,
        heapAfter / 1048576.0,
        heap,
        pending);
    assertThat(operator.isAlive()).isTrue();
  }

  /** The operator's heap in use, from its own /metrics. */
  private static long heapUsed() throws IOException, InterruptedException {
    double sum = 0;
    for (String line : operator.get("/metrics").body().lines().toList()) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) sum;
  }

  private static Job job(String namespace, String name, int count, Integer parallelism) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(count));
    spec.setParallelism(parallelism);
    job.setSpec(spec);
    return job;
  }

  private static PolicyRule rule(String group, String resource) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resource)
        .withVerbs("create")
        .build();
  }

  private static List<String> names(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.path("items").forEach(i -> names.add(i.path("name").asText()));
    return names;
  }

  private record Answer(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("not JSON: " + body, e);
      }
    }
  }

  private static HttpRequest.Builder request(String path, String authorization) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + path))
            .timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    return builder;
  }

  private static Answer get(String path, String token) throws IOException, InterruptedException {
    return send(request(path, "Bearer " + token).GET().build());
  }

  private static Answer post(String path, String token, String body)
      throws IOException, InterruptedException {
    return send(
        request(path, "Bearer " + token)
            .header("Content-Type", "application/yaml")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static Answer send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }
}
