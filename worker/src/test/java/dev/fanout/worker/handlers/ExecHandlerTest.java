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
import java.util.List;
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
