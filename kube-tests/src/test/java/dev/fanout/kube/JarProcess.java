package dev.fanout.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator's or the worker's built jar running as a process of its own, as in a pod: configured
 * only by environment variables, its output in a log file, {@code /readyz} and {@code /metrics} on
 * its HTTP port.
 *
 * <p>A thin launcher on purpose: the sandbox's {@code ChildProcess} does the same with more (class
 * data sharing, stop ordering) but is package-private there; fold this into it once it is shared.
 */
final class JarProcess implements AutoCloseable {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final Path log;
  private final int httpPort;

  private JarProcess(String name, Process process, Path log, int httpPort) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
  }

  /**
   * Starts {@code java -jar jar} with this JVM's java; the child gets this environment without any
   * Fanout, AWS or Kubernetes variable, plus {@code env} and {@code FANOUT_HTTP_PORT}.
   */
  static JarProcess start(String name, Path jar, Map<String, String> env, Path logDir)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar + " is missing: build it (./mvnw -pl kube-tests -am verify)");
    }
    int httpPort = freePort();
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      // The child gets SIGTERM if the test JVM dies without running its hooks.
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // C1 only: three JVMs start on a small machine; these runs are not CPU-bound.
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(List.of("-jar", jar.toString()));
    Map<String, String> childEnv = new HashMap<>(System.getenv());
    childEnv
        .keySet()
        .removeIf(
            k ->
                k.startsWith("FANOUT_")
                    || k.startsWith("AWS_")
                    || k.startsWith("KUBERNETES_")
                    || k.equals("KUBECONFIG"));
    childEnv.putAll(env);
    childEnv.put("FANOUT_HTTP_PORT", String.valueOf(httpPort));
    Path log = Files.createDirectories(logDir).resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(childEnv);
    builder.redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return new JarProcess(name, builder.start(), log, httpPort);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until {@code /readyz} answers 200; fails with the log's tail if it ends or times out. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            name + " exited with " + process.exitValue() + " before it was ready" + logTail());
      }
      try {
        HttpResponse<String> response = get("/readyz");
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body().strip();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " not ready after " + timeout + ": " + last + logTail());
  }

  /** Its own Prometheus metrics. */
  ApiServerMetrics metrics() throws IOException, InterruptedException {
    return ApiServerMetrics.parse(get("/metrics").body());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "; last lines of "
          + log
          + ":\n    "
          + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "; no log at " + log;
    }
  }

  /** SIGTERM, then a kill after 40 s (a worker finishes its long poll and drains first). */
  @Override
  public void close() throws InterruptedException {
    stopAll(List.of(this));
  }

  /** Stops these together: SIGTERM to all, then waits, killing what is left after 40 s. */
  static void stopAll(List<JarProcess> processes) throws InterruptedException {
    Map<JarProcess, List<ProcessHandle>> descendants = new HashMap<>();
    for (JarProcess p : processes) {
      descendants.put(p, p.process.descendants().toList());
      p.process.destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    for (JarProcess p : processes) {
      if (!p.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        p.process.destroyForcibly().waitFor();
      }
      descendants.get(p).stream()
          .filter(ProcessHandle::isAlive)
          .forEach(ProcessHandle::destroyForcibly);
    }
  }
}
