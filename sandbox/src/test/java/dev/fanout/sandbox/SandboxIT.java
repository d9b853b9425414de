package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The sandbox as a user runs it: {@code java -jar sandbox/target/fanout-sandbox.jar} in a process
 * of its own, with the real operator and worker jars the reactor built before this module. Checks
 * the exit code, what it prints, and that no process it started outlives it.
 */
class SandboxIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path SANDBOX_JAR = Path.of("target", "fanout-sandbox.jar").toAbsolutePath();
  private static final Path RUNS = Path.of("target", "sandbox-it").toAbsolutePath();

  /** What one sandbox run did. */
  record Run(int exitCode, String output, Set<ProcessHandle> descendants) {}

  @BeforeAll
  static void jarsAreBuilt() {
    for (Path jar :
        List.of(
            SANDBOX_JAR,
            ROOT.resolve("operator/target/fanout-operator.jar"),
            ROOT.resolve("worker/target/fanout-worker.jar"))) {
      assertThat(jar).as("built by the package phase before this test").isRegularFile();
    }
  }

  @Test
  void runsHelloAndItemsToSuccess(TestInfo test) throws Exception {
    Run run = sandbox(test, Map.of(), "examples/hello.yaml", "examples/items.yaml");

    assertThat(run.output())
        .contains("job        default/hello from ")
        .contains("job        default/items from ")
        .contains("worker-1 ")
        .contains("worker-2 ")
        .contains("Job default/hello (")
        .contains("Succeeded, 10 succeeded, 0 failed, of 10")
        .contains("Complete=True")
        .contains("states    SUCCEEDED 10  (job record: Succeeded, 10 tasks)")
        .contains("attempts  1: 10 tasks")
        .contains("slowest   task ")
        .contains("Job default/items (")
        .contains("Succeeded, 5 succeeded, 0 failed, of 5")
        .contains("states    SUCCEEDED 5  (job record: Succeeded, 5 tasks)")
        .contains("All 2 Jobs succeeded.")
        .as("every process stops on SIGTERM within the grace period: workers, then the operator")
        .containsPattern("Stopped the operator and 2 workers in [0-9.]+ s\\.\n")
        .doesNotContain("were killed");
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertNothingLeft(run);
  }

  @Test
  void runsAJobOnTheUsersOwnHandlerWithTheUsersSettings(TestInfo test) throws Exception {
    Path dir = Files.createDirectories(RUNS.resolve("own-handler"));
    Path plugin = ShoutHandlerJar.build(dir, ROOT.resolve("worker/target/fanout-worker.jar"));
    Path manifest =
        Files.writeString(
            dir.resolve("shout.yaml"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata: {name: shout}
            spec:
              handler: shout
              tasks: {items: [{word: a}, {word: b}, {word: c}]}
            """);

    Run run =
        sandbox(
            test,
            Map.of(),
            "--workers",
            "1",
            "--plugin",
            plugin.toString(),
            "--env",
            "FANOUT_LOG_FORMAT=json",
            manifest.toString());

    assertThat(run.output())
        .contains("env        FANOUT_LOG_FORMAT=json (operator and workers)")
        .contains("plugin     " + plugin + " (on the workers' classpath)")
        .contains("Job default/shout (")
        .contains("Succeeded, 3 succeeded, 0 failed, of 3")
        .contains("All 1 Job succeeded.");
    assertThat(run.exitCode()).as(run.output()).isZero();
    Path runDir = RUNS.resolve(test.getTestMethod().orElseThrow().getName());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> workerLog = new ArrayList<>();
    for (String log : List.of("operator.log", "worker-1.log")) {
      // What the JVM itself prints (Java 24+'s sun.misc.Unsafe warnings) is no log line.
      List<String> lines =
          Files.readAllLines(runDir.resolve(log)).stream()
              .filter(l -> !l.startsWith("WARNING: "))
              .toList();
      assertThat(lines).as("%s: FANOUT_LOG_FORMAT=json reached it", log).isNotEmpty();
      for (String line : lines) {
        JsonNode parsed = json.readTree(line);
        assertThat(parsed.isObject()).as("%s: %s", log, line).isTrue();
        if (log.startsWith("worker")) {
          workerLog.add(parsed);
        }
      }
    }
    assertThat(workerLog)
        .as("the worker found the plugin's handler")
        .anySatisfy(
            line -> {
              assertThat(line.path("message").asText()).startsWith("Task handlers");
              assertThat(line.path("arguments").toString()).contains("shout");
            });
    assertNothingLeft(run);
  }

  @Test
  void onARealApiServerRunsHelloAndTheSchemaRefusesAnInvalidJob(TestInfo test) throws Exception {
    String missing = RealApiServer.missingBinaries();
    if (missing != null && "1".equals(System.getenv("FANOUT_REQUIRE_CONTROL_PLANE"))) {
      throw new IllegalStateException("FANOUT_REQUIRE_CONTROL_PLANE=1 but " + missing);
    }
    assumeTrue(missing == null, "real control plane skipped: " + missing);

    Run ok = sandbox(test, Map.of(), "--control-plane", "real", "--workers", "1");
    assertThat(ok.output())
        .contains("(kube-apiserver and etcd, Job CRD)")
        .contains("Succeeded, 10 succeeded, 0 failed, of 10")
        .contains("All 1 Job succeeded.");
    assertThat(ok.exitCode()).as(ok.output()).isZero();
    assertNothingLeft(ok);

    Run refused =
        sandbox(test, Map.of(), "--control-plane", "real", "examples/invalid/count-negative.yaml");
    assertThat(refused.output())
        .contains("count-negative.yaml: the API server refused Job default/count-negative: ")
        .contains("spec.tasks.count: Invalid value: -1");
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
    assertNothingLeft(refused);
  }

  @Test
  void withAutoscaleTheWorkersComeFromNoneAndGoBackToNone(TestInfo test) throws Exception {
    String missing = RealApiServer.missingBinaries();
    if (missing != null && "1".equals(System.getenv("FANOUT_REQUIRE_CONTROL_PLANE"))) {
      throw new IllegalStateException("FANOUT_REQUIRE_CONTROL_PLANE=1 but " + missing);
    }
    assumeTrue(missing == null, "real control plane skipped: " + missing);
    Path manifest = Path.of("src/test/resources/autoscale/sleep-200.yaml").toAbsolutePath();
    Path trace = RUNS.resolve("autoscale-trace.csv");

    Run run =
        sandbox(
            test,
            Map.of(),
            "--control-plane",
            "real",
            "--autoscale",
            "--autoscale-max",
            "3",
            "--autoscale-delay",
            "3s",
            "--autoscale-trace",
            trace.toString(),
            manifest.toString());

    String out = run.output();
    assertThat(out)
        .contains("workers    none yet: Deployment default/fanout-worker-default (pool default)")
        .containsPattern("(?m)^ +\\d+\\.\\ds  workers [1-3]/3$")
        .contains("Succeeded, 200 succeeded, 0 failed, of 200")
        .contains("attempts  1: 200 tasks")
        .containsPattern(
            "first scale-up \\d+\\.\\d s after the Jobs were created; [1-9]\\d* workers")
        .containsPattern("back to 0 workers \\d+\\.\\d s after the last Job finished");
    assertThat(out.lastIndexOf("workers 0/0"))
        .as("the count is back to 0/0 after the Job succeeded")
        .isGreaterThan(out.indexOf("default/sleep-200  Succeeded"));
    assertThat(run.exitCode()).as(out).isZero();
    assertNothingLeft(run);
    List<String> rows = Files.readAllLines(trace);
    assertThat(rows.get(0)).isEqualTo(AutoscaleTrace.HEADER);
    assertThat(rows.stream().skip(1).map(r -> r.split(",")[6]))
        .as("worker processes over time")
        .contains("3")
        .endsWith("0");
  }

  @Test
  void withAutoscaleAJobOfAnotherPoolGetsFixedWorkersAndTheRunEndsWithoutWaiting(TestInfo test)
      throws Exception {
    String missing = RealApiServer.missingBinaries();
    if (missing != null && "1".equals(System.getenv("FANOUT_REQUIRE_CONTROL_PLANE"))) {
      throw new IllegalStateException("FANOUT_REQUIRE_CONTROL_PLANE=1 but " + missing);
    }
    assumeTrue(missing == null, "real control plane skipped: " + missing);
    Path manifest = Path.of("src/test/resources/autoscale/other-pool.yaml").toAbsolutePath();

    Run run =
        sandbox(
            test,
            Map.of(),
            "--control-plane",
            "real",
            "--autoscale",
            "--workers",
            "1",
            "--timeout",
            "3m",
            manifest.toString());

    assertThat(run.output())
        .contains("Succeeded, 5 succeeded, 0 failed, of 5")
        .contains("autoscale  never scaled up: no task of pool default was runnable")
        .doesNotContain("Timed out");
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertNothingLeft(run);
  }

  @Test
  void autoscaleRefusesTheMockApiServerAndSaysHowToGetTheRealOne(TestInfo test) throws Exception {
    Run run = sandbox(test, Map.of(), "--control-plane", "mock", "--autoscale");

    assertThat(run.output())
        .contains(
            "--autoscale needs a real kube-apiserver (the operator scales the workers'"
                + " Deployment through its scale subresource, and fabric8's mock API server loses a"
                + " Deployment written there), but --control-plane mock was given")
        .contains("scripts/control-plane.sh builds them once");
    assertThat(run.exitCode()).isEqualTo(1);
    assertNothingLeft(run);
  }

  @Test
  void showsWhyAFailingJobFailedAndExitsOne(TestInfo test) throws Exception {
    Run run =
        sandbox(test, Map.of(), "--workers", "1", ROOT.resolve("examples/fails.yaml").toString());

    assertThat(run.output())
        .contains("Job default/fails (")
        .contains(": Failed, ")
        .contains("Failed=True  MaxFailedTasksExceeded")
        .contains("failures    task ")
        .contains("is in failIndexes")
        .containsPattern("FAILED [12]")
        .containsPattern("failed    task [37], 2 attempts: Error: index [37] is in failIndexes")
        .contains("worker-1 ")
        .doesNotContain("worker-2")
        .contains("1 of 1 Job did not succeed.");
    assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
    assertNothingLeft(run);
  }

  @Test
  void rejectsAManifestThatIsNotAFanoutJob(TestInfo test) throws Exception {
    Path dir = Files.createDirectories(RUNS.resolve("manifests"));
    Path batchJob =
        Files.writeString(
            dir.resolve("batch-job.yaml"),
            """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: pi
            spec:
              template: {}
            """);

    Run run = sandbox(test, Map.of(), batchJob.toString(), "examples/hello.yaml");

    assertThat(run.output())
        .contains("batch-job.yaml: is a batch/v1 Job, not a fanout.dev/v1alpha1 Job")
        .doesNotContain("operator   ready");
    assertThat(run.exitCode()).isEqualTo(1);
    assertNothingLeft(run);
  }

  @Test
  void withoutControlPlaneBinariesSaysHowToGetARealApiServer(TestInfo test) throws Exception {
    Path empty = Files.createDirectories(RUNS.resolve("no-control-plane"));

    // Only the header matters here: --timeout 2s ends the run before the operator is ready.
    Run run =
        sandbox(
            test,
            Map.of("FANOUT_KUBEAPITEST_DIR", empty.toString()),
            "--control-plane",
            "auto",
            "--timeout",
            "2s");

    assertThat(run.output())
        .contains("kubernetes fabric8's mock API server: no kube-apiserver and etcd under " + empty)
        .contains("scripts/control-plane.sh builds them once")
        .contains("--control-plane real")
        .contains("kubectl works with the")
        .contains("(fabric8 mock, CRUD, Job CRD)");
    assertNothingLeft(run);
  }

  @Test
  void theLauncherListsItsCommandsAndRunListsEveryOption() throws Exception {
    Process launcher =
        new ProcessBuilder("bash", ROOT.resolve("fanout").toString(), "--help")
            .redirectErrorStream(true)
            .start();
    String commands = new String(launcher.getInputStream().readAllBytes());
    assertThat(launcher.waitFor()).as(commands).isZero();
    assertThat(commands)
        .containsPattern("(?m)^  run \\[options\\] \\[manifests\\] +\\S.*$")
        .containsPattern("(?m)^  help +\\S.*$")
        .contains("./fanout run --help");

    Process run =
        new ProcessBuilder(ChildProcess.java(), "-jar", SANDBOX_JAR.toString(), "run", "--help")
            .redirectErrorStream(true)
            .start();
    String options = new String(run.getInputStream().readAllBytes());
    assertThat(run.waitFor()).as(options).isZero();
    Set<String> known = new TreeSet<>(SandboxOptions.FLAGS);
    known.addAll(SandboxOptions.WITH_VALUE);
    assertThat(known).allSatisfy(option -> assertThat(options).contains(option));
  }

  @Test
  void timesOutWithExitCodeOne(TestInfo test) throws Exception {
    Run run = sandbox(test, Map.of(), "--timeout", "2s");

    assertThat(run.output()).contains("operator was not ready within --timeout 2s");
    assertThat(run.exitCode()).isEqualTo(1);
    assertNothingLeft(run);
  }

  @Test
  void keepsTheTaskRowsInPostgresqlWhenGivenOne(TestInfo test) throws Exception {
    String url = System.getenv("FANOUT_TEST_PG_URL");
    if (url == null && "1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
      throw new IllegalStateException(
          "FANOUT_REQUIRE_POSTGRES=1 but FANOUT_TEST_PG_URL is unset: start PostgreSQL with"
              + " scripts/postgres.sh start");
    }
    assumeTrue(url != null, "PostgreSQL test skipped: FANOUT_TEST_PG_URL is unset");
    Map<String, String> env = new HashMap<>();
    env.put("FANOUT_DB_URL", url);
    env.put("FANOUT_DB_USER", System.getenv().getOrDefault("FANOUT_TEST_PG_USER", ""));
    env.put("FANOUT_DB_PASSWORD", System.getenv().getOrDefault("FANOUT_TEST_PG_PASSWORD", ""));

    Run run = sandbox(test, env, "--workers", "1");

    assertThat(run.output())
        .contains("database   jdbc:postgresql:")
        .contains("states    SUCCEEDED 10  (job record: Succeeded, 10 tasks)");
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertNothingLeft(run);
  }

  /**
   * Runs the sandbox jar from this module's directory (so manifests like {@code
   * examples/hello.yaml} resolve against the repository root), its run directory under target/.
   */
  private static Run sandbox(TestInfo test, Map<String, String> extraEnv, String... args)
      throws IOException, InterruptedException {
    String name = test.getTestMethod().orElseThrow().getName();
    Path runDir = RUNS.resolve(name);
    deleteTree(runDir);
    Path output = Files.createDirectories(RUNS).resolve(name + ".out");
    List<String> command =
        new ArrayList<>(
            List.of(
                ChildProcess.java(),
                "-jar",
                SANDBOX_JAR.toString(),
                "run",
                "--dir",
                runDir.toString()));
    if (!List.of(args).contains("--control-plane")) {
      command.addAll(List.of("--control-plane", "mock")); // fast; one test runs the real one
    }
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("FANOUT_DB_"));
    builder.environment().putAll(extraEnv);
    Process process = builder.start();
    Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
    Thread watcher =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (process.isAlive()) {
                    process.descendants().forEach(seen::add);
                    try {
                      Thread.sleep(50);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(
          "the sandbox did not end in 5 minutes:\n" + Files.readString(output));
    }
    watcher.join();
    String text = Files.readString(output);
    System.out.println("---- " + name + " (exit " + process.exitValue() + ")\n" + text);
    return new Run(process.exitValue(), text, seen);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void assertNothingLeft(Run run) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (run.descendants().stream().anyMatch(ProcessHandle::isAlive)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(run.descendants().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid))
        .as("processes the sandbox started that are still running")
        .isEmpty();
  }
}
