package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.RetryJob;
import dev.fanout.api.TaskFailure;
import dev.fanout.api.TaskSource;
import dev.fanout.cli.CommandLineTest.Run;
import dev.fanout.common.testing.MockKube;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands against fabric8's mock API server in CRUD mode with the real CRD (its status
 * subresource): what a user sees and what lands on the server. kube-tests' KubectlFanoutIT runs
 * them through kubectl on a real kube-apiserver.
 */
class JobCommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MockKube kube;
  private String kubeconfig;

  @BeforeEach
  void start(@TempDir Path dir) {
    kube = new MockKube();
    kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig")).toString();
  }

  @AfterEach
  void stop() {
    kube.close();
  }

  private Run fanout(String... args) {
    return fanout(Map.of(), args);
  }

  private Run fanout(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--kubeconfig", kubeconfig));
    return CommandLineTest.run(env, all.toArray(String[]::new));
  }

  @Test
  void getSaysSoWhenTheNamespaceHasNoJobs() {
    Run get = fanout("get");
    assertThat(get.code()).isZero();
    assertThat(get.out()).isEmpty();
    assertThat(get.err()).isEqualTo("No resources found in default namespace.\n");
    assertThat(fanout("get", "-n", "team-a").err())
        .isEqualTo("No resources found in team-a namespace.\n");
  }

  @Test
  void getListsTheJobsWithThePrinterColumns() {
    create("hello", JobPhase.Succeeded, "10/10", 0, null, "12s");
    create("crunch", JobPhase.Failed, "100/100", 3, "2,5-6", "3m2s");
    create("fresh", null, null, null, null, null);

    Run get = fanout("get");

    assertThat(get.code()).as(get.err()).isZero();
    List<String> lines = get.out().lines().toList();
    assertThat(lines.get(0)).matches("NAME     PHASE       PROGRESS   FAILED   DURATION   AGE");
    assertThat(lines.get(1)).matches("crunch   Failed      100/100    3        3m2s       \\d+s");
    assertThat(lines.get(2)).matches("fresh                                               \\d+s");
    assertThat(lines.get(3)).matches("hello    Succeeded   10/10      0        12s        \\d+s");
  }

  @Test
  void getOneJobAsJsonOrYaml() throws IOException {
    create("hello", JobPhase.Succeeded, "10/10", 0, null, "12s");

    JsonNode json = JSON.readTree(fanout("get", "hello", "-o", "json").out());
    assertThat(json.at("/metadata/name").asText()).isEqualTo("hello");
    assertThat(json.at("/status/phase").asText()).isEqualTo("Succeeded");
    assertThat(fanout("get", "hello", "-o", "yaml").out())
        .startsWith("apiVersion: \"fanout.dev/v1alpha1\"")
        .contains("phase: \"Succeeded\"");
    Run listed = fanout("get", "-o", "json");
    assertThat(listed.code()).as(listed.err()).isZero();
    JsonNode list = JSON.readTree(listed.out());
    assertThat(list.path("kind").asText()).isEqualTo("List");
    assertThat(list.path("items")).hasSize(1);
  }

  @Test
  void aMissingJobIsOneLineAsKubectlSaysIt() {
    for (String command : List.of("get", "retry", "suspend", "resume")) {
      Run run = fanout(command, "nope");
      assertThat(run.code()).as(command).isEqualTo(1);
      assertThat(run.err())
          .isEqualTo("Error from server (NotFound): jobs.fanout.dev \"nope\" not found\n");
    }
  }

  @Test
  void retryCreatesNameRetryNForTheFailedIndexes() {
    create("crunch", JobPhase.Failed, "100/100", 4, "2,5-7", "3m2s");

    Run first = fanout("retry", "crunch");
    Run second = fanout("retry", "crunch");

    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("job.fanout.dev/crunch-retry-1 created\n");
    assertThat(second.out()).isEqualTo("job.fanout.dev/crunch-retry-2 created\n");
    Job retry = job("crunch-retry-1");
    assertThat(retry.getSpec().getTasks().getIndexes()).isEqualTo("2,5-7");
    assertThat(retry.getSpec().getTasks().getCount()).isEqualTo(100);
    assertThat(retry.getSpec().getHandler()).isEqualTo("fail");
    assertThat(retry.getSpec().getSuspend()).isFalse();
    assertThat(retry.getMetadata().getAnnotations())
        .containsEntry(RetryJob.RETRY_OF_ANNOTATION, "crunch");
    assertThat(retry.getMetadata().getLabels()).containsEntry("team", "a");
  }

  @Test
  void retryRefusesAJobThatIsNotFinishedOrHasNoFailures() {
    create("running", JobPhase.Running, "5/100", 1, "3", null);
    create("clean", JobPhase.Succeeded, "10/10", 0, null, "12s");

    Run running = fanout("retry", "running");
    Run clean = fanout("retry", "clean");

    assertThat(running.code()).isEqualTo(1);
    assertThat(running.err())
        .isEqualTo(
            "error: job.fanout.dev/running is Running: only a finished Job (Succeeded or Failed)"
                + " can be retried\n");
    assertThat(clean.err())
        .isEqualTo(
            "error: job.fanout.dev/clean is Succeeded with no failed tasks: nothing to retry\n");
    assertThat(kube.client().resources(Job.class).inNamespace("default").list().getItems())
        .hasSize(2);
  }

  @Test
  void suspendAndResumePatchSpecSuspend() {
    create("hello", JobPhase.Running, "1/10", 0, null, null);

    Run suspend = fanout("suspend", "hello");
    assertThat(suspend.out()).isEqualTo("job.fanout.dev/hello suspended\n");
    assertThat(job("hello").getSpec().getSuspend()).isTrue();
    assertThat(job("hello").getSpec().getHandler()).isEqualTo("fail");
    assertThat(fanout("suspend", "hello").out())
        .isEqualTo("job.fanout.dev/hello suspended (no change)\n");

    Run resume = fanout("resume", "hello");
    assertThat(resume.out()).isEqualTo("job.fanout.dev/hello resumed\n");
    assertThat(job("hello").getSpec().getSuspend()).isFalse();
  }

  // The task API below is a stand-in (a JDK HttpServer serving the documented contract), used
  // only because the operator's task API is not on this branch; kube-tests get the real one.

  @Test
  void tasksPagesThroughNextWithTheUsersToken() throws IOException {
    List<String> requests = Collections.synchronizedList(new ArrayList<>());
    HttpServer api = taskApiStandIn(requests, 5);
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();
      Run tasks = fanout(Map.of("FANOUT_CONSOLE_URL", url), "tasks", "crunch", "--state", "failed");

      assertThat(tasks.code()).as(tasks.err()).isZero();
      assertThat(tasks.out())
          .isEqualTo(
              """
              INDEX   STATE    ATTEMPTS   DURATION   ERROR
              0       Failed   3          41ms       Error: exit code 3
              1       Failed   3          41ms       Error: exit code 3
              2       Failed   3          41ms       Error: exit code 3
              3       Failed   3          41ms       Error: exit code 3
              4       Failed   3          41ms       Error: exit code 3
              """);
      assertThat(requests)
          .allSatisfy(r -> assertThat(r).startsWith("Bearer mock /api/v1/namespaces/default/"))
          .allSatisfy(r -> assertThat(r).contains("state=Failed"))
          .hasSize(3);
      assertThat(requests.get(1)).contains("after=1");

      Run limited = fanout("tasks", "crunch", "--limit", "3", "-o", "json", "--console-url", url);
      JsonNode json = JSON.readTree(limited.out());
      assertThat(json.path("items")).hasSize(3);
      assertThat(json.at("/items/2/index").asInt()).isEqualTo(2);
    } finally {
      api.stop(0);
    }
  }

  @Test
  void failuresSplitsReasonAndMessage() {
    HttpServer api = taskApiStandIn(new ArrayList<>(), 2);
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();
      Run failures = fanout("failures", "crunch", "--console-url", url);
      assertThat(failures.out())
          .isEqualTo(
              """
              INDEX   ATTEMPTS   REASON   MESSAGE
              0       3          Error    exit code 3
              1       3          Error    exit code 3
              """);
    } finally {
      api.stop(0);
    }
  }

  @Test
  void failuresFallsBackToTheStatusWhenTheTaskApiIsUnreachable() throws IOException {
    create("crunch", JobPhase.Failed, "100/100", 25, "0-24", "3m2s");
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }

    Run failures = fanout("failures", "crunch", "--console-url", "http://127.0.0.1:" + closed);

    assertThat(failures.code()).as(failures.err()).isZero();
    assertThat(failures.err())
        .startsWith("warning: cannot reach the task API at http://127.0.0.1:" + closed)
        .endsWith(
            "showing status.failures instead (2 of 25 failed tasks, at most 20 recent ones)\n");
    assertThat(failures.out())
        .isEqualTo(
            """
            INDEX   ATTEMPTS   REASON    MESSAGE
            2       3          Error     boom | second line
            5       1          Timeout   no answer in 60s
            """);
  }

  private HttpServer taskApiStandIn(List<String> requests, int tasks) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/api/v1/",
          exchange -> {
            String query = exchange.getRequestURI().getQuery();
            requests.add(
                exchange.getRequestHeaders().getFirst("Authorization")
                    + " "
                    + exchange.getRequestURI());
            int after = -1;
            for (String p : query.split("&")) {
              if (p.startsWith("after=")) {
                after = Integer.parseInt(p.substring(6));
              }
            }
            // Pages of two, as a small limit would give.
            StringBuilder items = new StringBuilder();
            int last = Math.min(tasks - 1, after + 2);
            for (int i = after + 1; i <= last; i++) {
              items.append(items.isEmpty() ? "" : ",");
              items.append(
                  """
                  {"index":%d,"state":"Failed","attempts":3,"startedAt":null,"finishedAt":null,\
                  "durationMillis":41,"error":"Error: exit code 3","result":null}"""
                      .formatted(i));
            }
            String next = last < tasks - 1 ? String.valueOf(last) : "null";
            byte[] body =
                ("{\"items\":[" + items + "],\"next\":" + next + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Job job(String name) {
    return kube.client().resources(Job.class).inNamespace("default").withName(name).get();
  }

  private void create(
      String name,
      JobPhase phase,
      String progress,
      Integer failed,
      String failedIndexes,
      String duration) {
    Job job = new Job();
    job.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("default")
            .withLabels(Map.of("team", "a"))
            .build());
    JobSpec spec = new JobSpec();
    spec.setHandler("fail");
    spec.setTasks(TaskSource.ofCount(100));
    job.setSpec(spec);
    Job created = kube.client().resource(job).create();
    if (phase == null) {
      return;
    }
    JobStatus status = new JobStatus();
    status.setPhase(phase);
    status.setProgress(progress);
    status.setFailed(failed);
    status.setFailedIndexes(failedIndexes);
    status.setDuration(duration);
    if (failedIndexes != null) {
      status.setFailures(
          List.of(
              new TaskFailure(2, 3, "Error", "boom\nsecond line"),
              new TaskFailure(5, 1, "Timeout", "no answer in 60s")));
    }
    created.setStatus(status);
    kube.client().resource(created).updateStatus();
  }
}
