package dev.fanout.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the built jars running as its own JVM, as a pod would run it: its output in a log file,
 * its {@code /readyz} and {@code /metrics} on a known port, and its memory as the kernel counts it.
 * (The sandbox has a fuller version of this; the two can merge once the sandbox's is public.)
 */
final class JavaProcess {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final Process process;
  private final Path log;
  private final int httpPort;

  private JavaProcess(String name, Process process, Path log, int httpPort) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
  }

  /** Starts {@code java [jvmOptions] -jar jar} with exactly {@code env} as its environment. */
  static JavaProcess start(
      String name,
      Path jar,
      List<String> jvmOptions,
      Map<String, String> env,
      int httpPort,
      Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      // The child gets SIGTERM when the benchmark dies, even of a SIGKILL that runs no hook.
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
    }
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return new JavaProcess(name, builder.start(), log, httpPort);
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until {@code /readyz} answers 200; fails with the log's tail if the process ends. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with code " + process.exitValue() + " before it was ready" + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " was not ready after " + timeout + logTail());
      }
      Thread.sleep(100);
    }
  }

  private boolean ready() {
    try {
      return get("/readyz").statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** What {@code /metrics} says now. */
  MetricsText metrics() {
    try {
      HttpResponse<String> response = get("/metrics");
      if (response.statusCode() != 200) {
        throw new IllegalStateException(name + " /metrics answered " + response.statusCode());
      }
      return new MetricsText(response.body());
    } catch (IOException e) {
      throw new IllegalStateException(name + " /metrics: " + e, e);
    }
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The most memory the process has had resident (VmHWM), in bytes; -1 where /proc has none. */
  long peakRssBytes() {
    return procStatus("VmHWM:");
  }

  /**
   * Starts the resident-memory peak afresh from what the process holds now (Linux: writing 5 to
   * clear_refs), so that {@link #peakRssBytes} covers only what follows.
   */
  void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc", Long.toString(pid()), "clear_refs"), "5");
    } catch (IOException e) {
      // Not Linux, or not allowed: the peak then covers the process's whole life.
    }
  }

  private long procStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith(field)) {
          String kb = line.substring(field.length()).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or gone.
    }
    return -1;
  }

  /** SIGTERM, then a kill after {@code grace}. */
  void stop(Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "; last lines of "
          + log
          + ":\n    "
          + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "; see " + log;
    }
  }
}
