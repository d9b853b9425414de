package dev.fanout.worker.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  static TaskContext task(Duration timeout, String... command) throws Exception {
    return TaskContext.builder()
        .job("ns", "job", "uid")
        .index(3)
        .attempt(2)
        .params((ObjectNode) JSON.readTree("{\"a\": 1, \"s\": \"x y\"}"))
        .command(List.of(command))
        .timeout(timeout)
        .build();
  }

  static TaskContext shell(String script) throws Exception {
    return task(Duration.ofSeconds(30), "sh", "-c", script);
  }

  @Test
  void passesTheTaskInTheEnvironmentAndReturnsTheOutput() throws Exception {
    TaskResult result =
        new ExecHandler()
            .run(
                shell(
                    "echo \"$FANOUT_JOB $FANOUT_NAMESPACE $FANOUT_TASK_INDEX"
                        + " $FANOUT_TASK_ATTEMPT $FANOUT_TASK_PARAMS\""));
    assertThat(result.succeeded()).isTrue();
    assertThat(result.result()).isEqualTo("job ns 3 2 {\"a\":1,\"s\":\"x y\"}");
  }

  @Test
  void aNonZeroExitFailsWithTheTailOfStdoutAndStderr() throws Exception {
    TaskResult result = new ExecHandler().run(shell("echo to-out; echo to-err >&2; exit 3"));
    assertThat(result.succeeded()).isFalse();
    assertThat(result.retryable()).isTrue();
    assertThat(result.reason()).isEqualTo("Error");
    assertThat(result.message()).startsWith("exit code 3: ").contains("to-out", "to-err");
  }

  @Test
  void keepsOnlyTheLastKibOfALongOutput() throws Exception {
    TaskResult failed =
        new ExecHandler()
            .run(shell("head -c 200000 /dev/zero | tr '\\0' a; echo; echo END; exit 1"));
    assertThat(failed.message()).endsWith("END");
    assertThat(failed.message().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);

    TaskResult succeeded =
        new ExecHandler().run(shell("head -c 5000 /dev/zero | tr '\\0' b; echo; echo done"));
    assertThat(succeeded.succeeded()).isTrue();
    assertThat(succeeded.result()).endsWith("done");
    assertThat(succeeded.result().getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(1024);
  }

  @Test
  void aCommandPastItsTimeoutIsKilledWithItsChildren() throws Exception {
    Path pids = dir.resolve("pids");
    long start = System.nanoTime();
    TaskResult result =
        new ExecHandler()
            .run(
                task(
                    Duration.ofSeconds(1),
                    "sh",
                    "-c",
                    "echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids + "; wait"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(result.succeeded()).isFalse();
    assertThat(result.reason()).isEqualTo("Timeout");
    assertAllDead(pids, 2);
  }

  @Test
  void anInterruptKillsTheCommandAndItsChildren() throws Exception {
    Path pids = dir.resolve("pids");
    TaskContext ctx =
        task(
            Duration.ofMinutes(5),
            "sh",
            "-c",
            "echo $$ > " + pids + "; sleep 300 & echo $! >> " + pids + "; wait");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread runner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    new ExecHandler().run(ctx);
                  } catch (Throwable e) {
                    thrown.set(e);
                  }
                });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 2);
    runner.interrupt();
    assertThat(runner.join(Duration.ofSeconds(10))).isTrue();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertAllDead(pids, 2);
  }

  @Test
  void theCommandGetsTheTaskButNotTheWorkersCredentialsNorSettings() throws Exception {
    Map<String, String> worker = new TreeMap<>();
    worker.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    worker.put("HOME", "/home/worker");
    worker.put("LANG", "C.UTF-8");
    worker.put("MY_TOOL_HOME", "/opt/tool");
    worker.put("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID");
    worker.put("AWS_SECRET_ACCESS_KEY", "aws-secret-value");
    worker.put("AWS_SESSION_TOKEN", "aws-session-value");
    worker.put("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/fanout-worker");
    worker.put("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/sa/token");
    worker.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/secrets/pods.eks/token");
    worker.put("AWS_ENDPOINT_URL_SQS", "http://rel-fanout-operator:9324");
    worker.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    worker.put("KUBERNETES_SERVICE_PORT", "443");
    worker.put("KUBECONFIG", "/etc/fanout/kubeconfig");
    worker.put("FANOUT_POOL", "default");
    worker.put("FANOUT_NAMESPACES", "team-a");
    worker.put("FANOUT_EXEC_ENABLED", "true");
    worker.put("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75.0");
    worker.put("GITHUB_TOKEN", "ghp-token-value");
    worker.put("DB_PASSWORD", "db-password-value");
    Path dump = dir.resolve("env");

    TaskResult result =
        new ExecHandler(worker).run(task(Duration.ofSeconds(30), "sh", "-c", "env > " + dump));

    assertThat(result.succeeded()).as("%s", result).isTrue();
    String text = Files.readString(dump);
    Map<String, String> seen = new TreeMap<>();
    text.lines()
        .filter(line -> line.contains("="))
        .forEach(line -> seen.put(line.substring(0, line.indexOf('=')), line));
    assertThat(seen.keySet())
        .contains("PATH", "HOME", "LANG", "MY_TOOL_HOME")
        .contains("FANOUT_JOB", "FANOUT_NAMESPACE", "FANOUT_TASK_INDEX")
        .contains("FANOUT_TASK_ATTEMPT", "FANOUT_TASK_PARAMS", "FANOUT_EXEC_ID")
        .noneMatch(name -> name.startsWith("AWS_") || name.startsWith("KUBERNETES_"))
        .doesNotContain("KUBECONFIG", "JAVA_TOOL_OPTIONS", "GITHUB_TOKEN", "DB_PASSWORD")
        .doesNotContain("FANOUT_POOL", "FANOUT_NAMESPACES", "FANOUT_EXEC_ENABLED");
    assertThat(text)
        .doesNotContain("AKIAEXAMPLEKEYID", "aws-secret-value", "aws-session-value")
        .doesNotContain("ghp-token-value", "db-password-value", "/var/run/secrets");
    assertThat(seen.get("FANOUT_JOB")).isEqualTo("FANOUT_JOB=job");
    assertThat(seen.get("MY_TOOL_HOME")).isEqualTo("MY_TOOL_HOME=/opt/tool");
  }

  @Test
  void aBackgroundChildOfASucceededCommandDoesNotOutliveTheTask() throws Exception {
    Path pids = dir.resolve("pids");
    long start = System.nanoTime();

    // The background sleep keeps the output pipe open and is orphaned when sh exits.
    TaskResult result =
        new ExecHandler().run(shell("sleep 300 & echo $! > " + pids + "; echo started"));

    assertThat(result.succeeded()).isTrue();
    assertThat(result.result()).isEqualTo("started");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(Thread.getAllStackTraces().entrySet())
        .as("no thread left reading the command's output")
        .noneMatch(
            thread ->
                thread.getKey() != Thread.currentThread()
                    && Arrays.stream(thread.getValue())
                        .anyMatch(
                            frame ->
                                Set.of(
                                        ExecHandler.class.getName(),
                                        OutputTail.class.getName(),
                                        ProcessTree.class.getName())
                                    .contains(frame.getClassName())));
    assertAllDead(pids, 1);
  }

  @Test
  void aDetachedGrandchildThatLeftTheTreeIsKilledToo() throws Exception {
    Path pids = dir.resolve("pids");

    // The subshell exits at once: its sleep, in a session of its own, is nobody's descendant.
    TaskResult result =
        new ExecHandler()
            .run(shell("(setsid sleep 300 > /dev/null 2>&1 & echo $! > " + pids + "); exit 4"));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).startsWith("exit code 4");
    assertAllDead(pids, 1);
  }

  @Test
  void aTimedOutCommandTakesItsOrphanedChildrenWithIt() throws Exception {
    Path pids = dir.resolve("pids");

    TaskResult result =
        new ExecHandler()
            .run(
                task(
                    Duration.ofSeconds(1),
                    "sh",
                    "-c",
                    "(sleep 300 & echo $! > " + pids + "); echo $$ >> " + pids + "; sleep 300"));

    assertThat(result.reason()).isEqualTo("Timeout");
    assertAllDead(pids, 2);
  }

  @Test
  void onAPoolWithExecTurnedOffATaskFailsForGoodNamingTheSettingAndNothingRuns() throws Exception {
    Path ran = dir.resolve("ran");

    TaskResult result = ExecHandler.disabled("tenant-a").run(shell("touch " + ran));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.retryable()).isFalse();
    assertThat(result.reason()).isEqualTo("ExecDisabled");
    assertThat(result.message())
        .isEqualTo(
            "handler exec is turned off on the workers of pool \"tenant-a\""
                + " (FANOUT_EXEC_ENABLED=false); no command ran. Run the Job on a pool that"
                + " allows exec (spec.pool)");
    assertThat(ran).doesNotExist();
  }

  @Test
  void aJobWithoutCommandFailsForGood() throws Exception {
    TaskResult result = new ExecHandler().run(task(Duration.ofSeconds(5)));
    assertThat(result.retryable()).isFalse();
    assertThat(result.reason()).isEqualTo("InvalidParameters");
  }

  @Test
  void aMissingProgramFailsTheAttempt() throws Exception {
    TaskResult result =
        new ExecHandler().run(task(Duration.ofSeconds(5), "/nonexistent/fanout-test-binary"));
    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).startsWith("cannot start /nonexistent/fanout-test-binary");
  }

  private static void assertAllDead(Path pidFile, int expected) throws Exception {
    List<Long> pids = Files.readAllLines(pidFile).stream().map(Long::parseLong).toList();
    assertThat(pids).hasSize(expected);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(pids)
                    .allSatisfy(
                        pid ->
                            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                                .as("process %d", pid)
                                .isEmpty()));
  }
}
