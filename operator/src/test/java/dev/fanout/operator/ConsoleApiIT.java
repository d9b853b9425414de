package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.api.Job;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's task API served by a running operator, against the mock API server and H2 (and
 * PostgreSQL, {@link ConsolePostgresIT}): what a page or a script reading it would get. Kubernetes
 * auth (TokenReview, SubjectAccessReview) needs a real API server: kube-tests' TaskApiIT covers it;
 * here the console runs with auth {@code none}.
 */
class ConsoleApiIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private OperatorHarness h;
  private FanoutOperator operator;
  private int port;
  private final HttpClient http = HttpClient.newHttpClient();

  /** The operator's test setup: H2 in memory here, PostgreSQL in {@link ConsolePostgresIT}. */
  OperatorHarness harness() {
    return new OperatorHarness("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
  }

  @BeforeEach
  void start() throws IOException {
    h = harness();
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    operator = new FanoutOperator(h.config(port), h.kube.newClient(), () -> {}).start();
  }

  @AfterEach
  void stop() {
    operator.close();
    h.close();
  }

  @Test
  void theJobsListShowsEachJobAsTheOperatorSeesIt() throws Exception {
    String uid = h.create(OperatorHarness.job("listed", 5)).getMetadata().getUid();

    JsonNode item =
        await()
            .atMost(WAIT)
            .until(
                () -> find(get("/api/v1/jobs").json().path("items"), "listed"),
                i -> i.isPresent() && i.get().path("total").asInt() == 5)
            .orElseThrow();
    assertThat(item.path("namespace").asText()).isEqualTo("default");
    assertThat(item.path("uid").asText()).isEqualTo(uid);
    assertThat(item.path("handler").asText()).isEqualTo("noop");
    assertThat(item.path("pool").asText()).isEqualTo("default");
    assertThat(item.path("phase").asText()).isEqualTo("Running");
    assertThat(item.has("progress")).isTrue();
    assertThat(item.has("startTime")).isTrue();
    assertThat(item.has("completionTime")).isTrue();

    assertThat(get("/api/v1/jobs?namespace=default").json().path("items")).hasSize(1);
    assertThat(get("/api/v1/jobs?namespace=other").json().path("items")).isEmpty();
    Answer bad = get("/api/v1/jobs?namespace=Not_A_Name");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("error").asText()).contains("namespace");
  }

  @Test
  void aJobsDetailHasItsSpecConditionsAndThroughputFromTheTaskRows() throws Exception {
    String uid = h.create(OperatorHarness.job("detailed", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().find(uid) != null);
    LocalDateTime start = LocalDateTime.of(2026, 1, 1, 12, 0);
    for (int i = 0; i < 20; i++) {
      finish(uid, i, "SUCCEEDED", start.plusSeconds(i), null);
    }

    JsonNode detail = get("/api/v1/namespaces/default/jobs/detailed").json();
    assertThat(detail.path("uid").asText()).isEqualTo(uid);
    assertThat(detail.path("spec").path("handler").asText()).isEqualTo("noop");
    assertThat(detail.path("conditions").isArray()).isTrue();
    assertThat(detail.path("failures").isArray()).isTrue();
    JsonNode throughput = detail.path("throughput");
    assertThat(throughput.size()).isBetween(1, 200);
    JsonNode last = throughput.get(throughput.size() - 1);
    assertThat(last.get(0).asLong())
        .isEqualTo(start.plusSeconds(19).toInstant(ZoneOffset.UTC).toEpochMilli());
    assertThat(last.get(1).asLong()).isEqualTo(20);
    List<Long> counts = new ArrayList<>();
    throughput.forEach(p -> counts.add(p.get(1).asLong()));
    assertThat(counts).isSorted();

    assertThat(get("/api/v1/namespaces/default/jobs/missing").status()).isEqualTo(404);
  }

  @Test
  void tasksComeOnePageAtATimeByIndexWithAStateFilter() throws Exception {
    String uid = h.create(OperatorHarness.job("paged", 25)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().find(uid) != null);
    LocalDateTime at = LocalDateTime.of(2026, 1, 1, 12, 0);
    for (int i = 0; i < 25; i += 3) {
      finish(uid, i, "FAILED", at, "exit code 3");
    }
    String tasks = "/api/v1/namespaces/default/jobs/paged/tasks";

    List<Integer> seen = new ArrayList<>();
    String after = "";
    int pages = 0;
    while (true) {
      JsonNode page = get(tasks + "?limit=10" + after).json();
      page.path("items").forEach(t -> seen.add(t.path("index").asInt()));
      pages++;
      if (page.path("next").isNull()) {
        break;
      }
      after = "&after=" + page.path("next").asInt();
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactlyElementsOf(range(0, 25));

    JsonNode failed = get(tasks + "?state=failed&limit=5").json();
    assertThat(failed.path("items")).hasSize(5);
    assertThat(failed.path("next").asInt()).isEqualTo(12);
    JsonNode first = failed.path("items").get(0);
    assertThat(first.path("index").asInt()).isZero();
    assertThat(first.path("state").asText()).isEqualTo("Failed");
    assertThat(first.path("error").asText()).isEqualTo("exit code 3");
    assertThat(first.path("finishedAt").asText()).isEqualTo("2026-01-01T12:00:00Z");
    assertThat(first.path("durationMillis").asLong()).isEqualTo(1500);
    JsonNode rest = get(tasks + "?state=FAILED&after=12").json();
    assertThat(rest.path("items"))
        .extracting(t -> t.path("index").asInt())
        .containsExactly(15, 18, 21, 24);
    assertThat(rest.path("next").isNull()).isTrue();
    JsonNode pending = get(tasks + "?state=Pending&limit=1000").json();
    assertThat(pending.path("items").size() + 9).isLessThanOrEqualTo(25);

    Answer state = get(tasks + "?state=Done");
    assertThat(state.status()).isEqualTo(400);
    assertThat(state.json().path("error").asText())
        .contains("state")
        .contains("Pending, Sent, Succeeded, Failed, NotRun");
    assertThat(state.json().path("status").asInt()).isEqualTo(400);
    for (String limit : List.of("0", "1001", "ten")) {
      Answer bad = get(tasks + "?limit=" + limit);
      assertThat(bad.status()).as(limit).isEqualTo(400);
      assertThat(bad.json().path("error").asText()).startsWith("limit");
    }
    Answer badAfter = get(tasks + "?after=-5");
    assertThat(badAfter.status()).isEqualTo(400);
    assertThat(badAfter.json().path("error").asText()).startsWith("after");
    assertThat(get("/api/v1/namespaces/default/jobs/nothing/tasks").status()).isEqualTo(404);
  }

  @Test
  void aDeletedJobsTasksAndRecordStayReadable() throws Exception {
    Job created = h.create(OperatorHarness.job("gone", 7));
    String uid = created.getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().find(uid) != null);
    h.client().resources(Job.class).inNamespace("default").withName("gone").delete();
    await().atMost(WAIT).until(() -> h.get("gone") == null);
    await()
        .atMost(WAIT)
        .until(() -> find(get("/api/v1/jobs").json().path("items"), "gone").isEmpty());

    JsonNode tasks = get("/api/v1/namespaces/default/jobs/gone/tasks").json();
    assertThat(tasks.path("items")).hasSize(7);
    assertThat(tasks.path("next").isNull()).isTrue();
    JsonNode detail = get("/api/v1/namespaces/default/jobs/gone").json();
    assertThat(detail.path("uid").asText()).isEqualTo(uid);
    assertThat(detail.path("total").asInt()).isEqualTo(7);
    assertThat(detail.has("deletedAt")).isTrue();
  }

  @Test
  void aWatchGetsAnEventWhenAJobsStatusChanges() throws Exception {
    h.create(OperatorHarness.job("watched", 4));
    await()
        .atMost(WAIT)
        .until(
            () -> find(get("/api/v1/jobs").json().path("items"), "watched"),
            i -> i.isPresent() && i.get().path("total").asInt() == 4);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<Stream<String>> stream =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/watch")).build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    Thread reader = Thread.ofVirtual().start(() -> stream.body().forEach(lines::add));
    try {
      // The snapshot first: the Job as it is.
      awaitData(lines, d -> d.path("name").asText().equals("watched"));
      // As a worker writes it: the indexes and the counts they make.
      h.client()
          .resources(Job.class)
          .inNamespace("default")
          .withName("watched")
          .subresource("status")
          .patch(
              io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                  io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              "{\"status\":{\"completedIndexes\":\"0-2\",\"succeeded\":3,\"progress\":\"3/4\"}}");
      JsonNode changed =
          awaitData(
              lines,
              d -> d.path("name").asText().equals("watched") && d.path("succeeded").asInt() == 3);
      assertThat(changed.path("progress").asText()).isEqualTo("3/4");
    } finally {
      stream.body().close();
      reader.interrupt();
    }
  }

  @Test
  void aPostedManifestBecomesAJobAndARefusalIsPassedOn() throws Exception {
    String yaml =
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: submitted
        spec:
          handler: noop
          tasks:
            count: 3
        """;
    Answer created = post("/api/v1/namespaces/default/jobs", yaml);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().path("metadata").path("uid").asText()).isNotEmpty();
    assertThat(h.get("submitted").getSpec().getTasks().getCount()).isEqualTo(3);

    String json =
        "{\"apiVersion\":\"fanout.dev/v1alpha1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"json-one\","
            + "\"namespace\":\"default\"},\"spec\":{\"handler\":\"noop\",\"tasks\":{\"count\":2}}}";
    assertThat(post("/api/v1/namespaces/default/jobs", json).status()).isEqualTo(201);

    Answer again = post("/api/v1/namespaces/default/jobs", yaml);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().path("error").asText())
        .contains("submitted")
        .contains("already exists");

    Answer elsewhere = post("/api/v1/namespaces/other/jobs", json);
    assertThat(elsewhere.status()).isEqualTo(400);
    assertThat(elsewhere.json().path("error").asText()).contains("metadata.namespace");
    Answer pod =
        post(
            "/api/v1/namespaces/default/jobs", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
    assertThat(pod.status()).isEqualTo(400);
    assertThat(pod.json().path("error").asText()).contains("kind Job");
    Answer garbage = post("/api/v1/namespaces/default/jobs", "{\"apiVersion\": [unclosed");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.json().path("error").asText()).contains("JSON or YAML");
    assertThat(garbage.body()).doesNotContain("\tat ");
    Answer huge = post("/api/v1/namespaces/default/jobs", "#" + "x".repeat(1 << 20));
    assertThat(huge.status()).isEqualTo(413);
    assertThat(get("/api/v1/namespaces/default/jobs").status()).isEqualTo(405);
  }

  @Test
  void thePagesAndAssetsAreServedAndNothingElse() throws Exception {
    for (String page : List.of("/", "/submit", "/jobs/default/some-job")) {
      Answer answer = get(page);
      assertThat(answer.status()).as(page).isEqualTo(200);
      assertThat(answer.type()).as(page).startsWith("text/html");
      assertThat(answer.body()).contains("<title>Fanout</title>");
    }
    java.net.http.HttpResponse<Void> page =
        http.send(
            HttpRequest.newBuilder(uri("/")).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .as("its own files only, and no other site may frame it")
        .hasValueSatisfying(
            v -> assertThat(v).contains("default-src 'self'", "frame-ancestors 'none'"));
    assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
    Answer css = get("/assets/console.css");
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.type()).startsWith("text/css");
    for (String path :
        List.of(
            "/assets/../index.html",
            "/assets/%2e%2e/logback.xml",
            "/assets/",
            "/logback.xml",
            "/db/migration/V1__task_rows.sql",
            "/assets/..%2flogback.xml",
            "/jobs/default",
            "/api/v2/jobs")) {
      Answer answer = get(path);
      assertThat(answer.status()).as(path).isEqualTo(404);
      assertThat(answer.json().path("status").asInt()).as(path).isEqualTo(404);
    }
  }

  @Test
  void withoutAuthTheConsoleListensOnLoopbackOnly() throws Exception {
    Optional<InetAddress> external =
        Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
            .flatMap(NetworkInterface::inetAddresses)
            .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
            .findFirst();
    Assumptions.assumeTrue(external.isPresent(), "this host has no address but loopback");
    try (Socket loopback = new Socket()) {
      loopback.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    }
    try (Socket outside = new Socket()) {
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> outside.connect(new InetSocketAddress(external.get(), port), 2_000)))
          .as("connecting on " + external.get())
          .isInstanceOf(IOException.class);
    }
  }

  private record Answer(int status, String type, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private Answer get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build());
  }

  private Answer post(String path, String body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private Answer send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(""),
        response.body());
  }

  private static Optional<JsonNode> find(JsonNode items, String name) {
    for (JsonNode item : items) {
      if (item.path("name").asText().equals(name)) {
        return Optional.of(item);
      }
    }
    return Optional.empty();
  }

  private static JsonNode awaitData(
      BlockingQueue<String> lines, java.util.function.Predicate<JsonNode> wanted) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String event = null;
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        continue;
      }
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ") && "job".equals(event)) {
        JsonNode data = JSON.readTree(line.substring(6));
        if (wanted.test(data)) {
          return data;
        }
      }
    }
    throw new AssertionError("no such event within " + WAIT);
  }

  /** Finishes a task as an outcome would: its state, finish time, a duration, an error. */
  private void finish(String uid, int index, String state, LocalDateTime at, String error)
      throws Exception {
    try (Connection c = DriverManager.getConnection(h.dbUrl, h.dbUser, h.dbPassword);
        PreparedStatement update =
            c.prepareStatement(
                "update fanout_task set state = ?, attempts = 1, started_at = ?, finished_at = ?,"
                    + " duration_ms = 1500, last_error = ? where job_uid = ? and task_index = ?")) {
      update.setString(1, state);
      update.setObject(2, at.minusNanos(1_500_000_000L));
      update.setObject(3, at);
      update.setString(4, error);
      update.setString(5, uid);
      update.setInt(6, index);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> list = new ArrayList<>();
    for (int i = from; i < to; i++) {
      list.add(i);
    }
    return list;
  }
}
