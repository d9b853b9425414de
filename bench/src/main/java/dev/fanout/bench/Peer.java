package dev.fanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.sandbox.FanoutProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * (8) A peer a user would pick instead of Fanout, run in the same run: its {@code run.sh} (see
 * /work/shared/peers/README.md) from a writable copy of its folder, with its own Redis on a free
 * port, while no Fanout process is busy. Its last line of output is JSON with its figures. A peer
 * that cannot run (no npm, no Redis) gives a result that says why; the Fanout figures stand.
 */
final class Peer {
  /** Installing Redis and the npm packages on first use, then the runs: minutes at most. */
  private static final long TIMEOUT_MINUTES = 20;

  /** What BullMQ's bench.mjs prints last; rates per second, for N jobs on W workers × C. */
  record Figures(
      String peer,
      int tasks,
      int workers,
      int concurrency,
      double addPerSecond,
      double e2ePerSecond,
      double retryOnceE2ePerSecond,
      double latencyP50Ms) {}

  /**
   * @param status "not run", "failed" or "ran"
   * @param detail why it failed, or how it was run
   * @param figures null unless it ran
   */
  record Result(String name, String status, String detail, Figures figures, double seconds) {
    static Result notRun(String name) {
      return new Result(
          name, "not run", "not run (scripts/bench.sh --peer " + name + " runs it)", null, 0);
    }

    boolean ran() {
      return figures != null;
    }
  }

  private final String name;
  private final Path source;
  private final Path workDir;
  private final Path runDir;
  private final Progress progress;

  /**
   * @param source the peer's folder (read-only is fine)
   * @param workDir where it is copied and run; kept between runs, so its npm packages are too
   */
  Peer(String name, Path source, Path workDir, Path runDir, Progress progress) {
    this.name = name;
    this.source = source;
    this.workDir = workDir;
    this.runDir = runDir;
    this.progress = progress;
  }

  /** Runs it with {@code tasks} jobs on {@code workers} workers × {@code concurrency}. */
  Result run(int tasks, int workers, int concurrency) {
    long start = System.nanoTime();
    Path out = runDir.resolve("peer-" + name + ".out");
    Path err = runDir.resolve("peer-" + name + ".log");
    try {
      copy();
      progress.say(
          "(8) peer %s: %s/run.sh with N=%d W=%d C=%d (output in %s)",
          name, workDir, tasks, workers, concurrency, err);
      ProcessBuilder builder =
          new ProcessBuilder("bash", workDir.resolve("run.sh").toString())
              .directory(workDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().put("N", Integer.toString(tasks));
      builder.environment().put("W", Integer.toString(workers));
      builder.environment().put("C", Integer.toString(concurrency));
      builder.environment().put("REDIS_PORT", Integer.toString(FanoutProcesses.freePorts(1)[0]));
      builder.environment().put("TMPDIR", runDir.toString());
      // run.sh installs Redis through apt on first use: no questions.
      builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        // Its children first: run.sh's trap stops its Redis when the script itself ends.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
        return failed("still running after " + TIMEOUT_MINUTES + " minutes; stopped", err, start);
      }
      List<String> lines = Files.readAllLines(out);
      if (process.exitValue() != 0) {
        return failed("run.sh exited with " + process.exitValue(), err, start);
      }
      Figures figures = parse(lines, tasks, workers, concurrency);
      Result result = new Result(name, "ran", figures.peer(), figures, seconds(start));
      progress.say(
          "(8) peer %s: end to end %,.0f jobs/s, add %,.0f/s, retry-once %,.0f jobs/s, 1-job"
              + " latency p50 %.1f ms",
          figures.peer(),
          figures.e2ePerSecond(),
          figures.addPerSecond(),
          figures.retryOnceE2ePerSecond(),
          figures.latencyP50Ms());
      return result;
    } catch (IOException | RuntimeException e) {
      return failed(e.toString(), err, start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed("interrupted", err, start);
    }
  }

  private Result failed(String why, Path log, long start) {
    String detail = why + lastLine(log) + " (see " + log + ")";
    progress.say("(8) peer %s failed: %s; the Fanout figures stand", name, detail);
    return new Result(name, "failed", detail, null, seconds(start));
  }

  /** The peer's files over any older copy; its installed packages stay. */
  private void copy() throws IOException {
    if (!Files.isRegularFile(source.resolve("run.sh"))) {
      throw new IOException("no run.sh in " + source);
    }
    Files.createDirectories(workDir);
    try (Stream<Path> files = Files.list(source)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, workDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * The figures of the peer's last line of output, JSON with {@code e2e_per_s}, {@code add_per_s},
   * {@code retry_once_e2e_per_s} and {@code latency_p50_ms}.
   *
   * @throws IllegalArgumentException when the last line is not that
   */
  static Figures parse(List<String> output, int tasks, int workers, int concurrency) {
    String last =
        output.reversed().stream().filter(l -> !l.isBlank()).findFirst().orElse("").trim();
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(last);
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException(
          "its last line of output is not JSON: \"" + abbreviate(last) + "\"");
    }
    return new Figures(
        json.path("peer").asText("bullmq"),
        json.path("n").asInt(tasks),
        json.path("workers").asInt(workers),
        json.path("concurrency").asInt(concurrency),
        number(json, "add_per_s"),
        number(json, "e2e_per_s"),
        number(json, "retry_once_e2e_per_s"),
        number(json, "latency_p50_ms"));
  }

  private static double number(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || !value.isNumber() || value.asDouble() <= 0) {
      throw new IllegalArgumentException(
          "its JSON has no positive number " + field + ": " + abbreviate(json.toString()));
    }
    return value.asDouble();
  }

  /** ": " and the last line of the peer's log, if it has one, for the table. */
  private static String lastLine(Path log) {
    try {
      return Files.readAllLines(log).reversed().stream()
          .filter(l -> !l.isBlank())
          .findFirst()
          .map(l -> ": " + abbreviate(l.trim()))
          .orElse("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
