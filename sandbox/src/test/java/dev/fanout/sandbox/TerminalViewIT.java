package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The live view as a person sees it: the sandbox jar in a detached tmux session of 80 (or 60)
 * columns by 24 rows, the screen read with {@code tmux capture-pane} while the Jobs run and at the
 * end. Skipped, saying so, where tmux is not installed.
 */
class TerminalViewIT {
  private static final Path SANDBOX_JAR = Path.of("target", "fanout-sandbox.jar").toAbsolutePath();
  private static final Path RUNS = Path.of("target", "terminal-view-it").toAbsolutePath();
  private static final String LONG_NAME = "progress-shown-in-a-terminal";

  /** A whole progress line: nothing cut from its end, nothing of another line in it. */
  private static final Pattern PROGRESS_LINE =
      Pattern.compile(
          "default/\\S+ +(\\[[#-]+\\] +)?\\d{1,3}% +[A-Z][a-z]+ +\\d+/\\d+ +failed \\d+"
              + "( +\\d+\\.\\d(/s| tasks/s))?");

  @ParameterizedTest(name = "{0} columns")
  @ValueSource(ints = {80, 60})
  void theProgressLinesFitTheTerminalAndAreRedrawnInPlace(int columns) throws Exception {
    if (!onPath("tmux") && "1".equals(System.getenv("FANOUT_REQUIRE_TMUX"))) {
      throw new AssertionError(
          "FANOUT_REQUIRE_TMUX=1 but tmux is not installed (apt-get install tmux)");
    }
    assumeTrue(
        onPath("tmux"), "terminal view test skipped: tmux is not installed (apt-get install tmux)");
    Path dir = Files.createDirectories(RUNS.resolve(columns + "-columns"));
    Path slow =
        Files.writeString(
            dir.resolve("slow.yaml"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata: {name: %s}
            spec: {handler: sleep, tasks: {count: 300}, parameters: {ms: 50}, parallelism: 100}
            """
                .formatted(LONG_NAME));
    Path quick =
        Files.writeString(
            dir.resolve("quick.yaml"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata: {name: quick}
            spec: {handler: noop, tasks: {count: 10}}
            """);
    Path exitFile = dir.resolve("exit-status");
    Files.deleteIfExists(exitFile);
    String command =
        String.join(
            " ",
            quoted(ChildProcess.java()),
            "-jar",
            quoted(SANDBOX_JAR.toString()),
            "run --control-plane mock --dir",
            quoted(dir.resolve("run").toString()),
            quoted(slow.toString()),
            quoted(quick.toString()),
            // The exit code through a file: tmux 3.3's #{pane_dead_status} came back empty for a
            // JVM in some sessions (a detached server started without a terminal).
            "; echo $? >",
            quoted(exitFile.toString()));
    Tmux tmux = new Tmux("fanout-view-" + ProcessHandle.current().pid() + "-" + columns);
    try {
      tmux.run(
          "start-server",
          ";",
          "set-option",
          "-g",
          "remain-on-exit",
          "on",
          ";",
          "new-session",
          "-d",
          "-s",
          "view",
          "-x",
          String.valueOf(columns),
          "-y",
          "24",
          command);

      List<List<String>> frames = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!tmux.run("display-message", "-p", "-t", "view", "#{pane_dead}").equals("1")) {
        assertThat(System.nanoTime()).as("the sandbox ends within 5 minutes").isLessThan(deadline);
        List<String> screen = tmux.lines("capture-pane", "-p", "-t", "view");
        if (screen.stream().anyMatch(l -> l.startsWith("default/" + LONG_NAME.substring(0, 8)))
            && screen.stream().noneMatch(l -> l.startsWith("Job default/"))) {
          frames.add(screen);
        }
        Thread.sleep(250);
      }
      List<String> history = tmux.lines("capture-pane", "-p", "-J", "-S", "-", "-t", "view");
      String status = Files.exists(exitFile) ? Files.readString(exitFile).strip() : "(none)";
      String shown = String.join("\n", history);
      System.out.println("---- " + columns + " columns (exit " + status + ")\n" + shown);

      assertThat(status).as(shown).isEqualTo("0");
      assertThat(shown).contains("All 2 Jobs succeeded.");
      assertThat(frames).as("screens seen while the Jobs ran").hasSizeGreaterThanOrEqualTo(3);
      for (List<String> frame : frames) {
        assertThat(progressLines(frame))
            .as("one line per Job on the screen, however often redrawn:\n%s", frame)
            .hasSize(2)
            .allSatisfy(line -> assertThat(line).matches(PROGRESS_LINE))
            .allSatisfy(line -> assertThat(line.length()).isLessThan(columns));
      }
      assertThat(progressLines(history))
          .as("the whole output, wrapped lines joined: each Job's line once, unwrapped")
          .hasSize(2)
          .allSatisfy(line -> assertThat(line).matches(PROGRESS_LINE).contains("Succeeded"))
          .allSatisfy(line -> assertThat(line.length()).isLessThan(columns));
    } finally {
      tmux.run("kill-server");
    }
  }

  private static List<String> progressLines(List<String> screen) {
    return screen.stream().filter(l -> l.startsWith("default/")).toList();
  }

  private static String quoted(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  /** A tmux server of the test's own ({@code -L}), without the user's configuration. */
  private record Tmux(String socket) {
    String run(String... args) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      // The sandbox would hand these to the operator; the test runs on its H2 file.
      builder.environment().keySet().removeIf(k -> k.startsWith("FANOUT_DB_"));
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      return out.strip();
    }

    List<String> lines(String... args) throws IOException, InterruptedException {
      return List.of(run(args).split("\n"));
    }
  }
}
