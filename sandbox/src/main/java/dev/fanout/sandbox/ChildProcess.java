package dev.fanout.sandbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One program the sandbox runs: a JVM with the given environment, its output in a log file, its
 * health endpoint on a known port; waits for {@code /readyz} and stops it (SIGTERM, then a kill)
 * together with anything it started. The process-level fault tests, the tests on a real API server
 * and the benchmark run theirs through it too.
 */
public final class ChildProcess {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final Process process;
  private final Path log;
  private final int httpPort;
  private final boolean writesArchive;
  private final long startNanos = System.nanoTime();
  private volatile String lastProblem = "no answer yet";

  private ChildProcess(
      String name, Process process, Path log, int httpPort, boolean writesArchive) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.writesArchive = writesArchive;
  }

  /**
   * Starts {@code java javaArguments...} (say {@code [options] -jar x.jar}), with the same java as
   * this JVM.
   *
   * @param writesArchive whether these options make the JVM write a class-data archive at exit
   * @param env the child's whole environment
   */
  public static ChildProcess start(
      String name,
      List<String> javaArguments,
      boolean writesArchive,
      Map<String, String> env,
      int httpPort,
      Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      // Linux: the child gets SIGTERM when the sandbox dies, even of a SIGKILL that runs no hook.
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
    }
    command.add(java());
    command.addAll(javaArguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return new ChildProcess(name, builder.start(), log, httpPort, writesArchive);
  }

  /**
   * {@code inherited} without the variables that would configure Fanout, AWS or Kubernetes: a child
   * gets only the settings its starter gives it, as a pod gets only its manifest's.
   */
  public static Map<String, String> strippedEnvironment(Map<String, String> inherited) {
    Map<String, String> env = new HashMap<>(inherited);
    env.keySet()
        .removeIf(
            k ->
                k.startsWith("FANOUT_")
                    || k.startsWith("AWS_")
                    || k.startsWith("KUBERNETES_")
                    || k.equals("KUBECONFIG"));
    return env;
  }

  static String java() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public int httpPort() {
    return httpPort;
  }

  /** Whether the JVM writes a class-data sharing archive as it exits (see {@link JvmMode#CDS}). */
  boolean writesArchive() {
    return writesArchive;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** How the process ended, for an error message; null while it runs. */
  public String exitDescription() {
    if (process.isAlive()) {
      return null;
    }
    int code = process.exitValue();
    return code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
  }

  /**
   * Waits until {@code /readyz} answers 200.
   *
   * @param limit how the timeout reads in the error, e.g. {@code "after 120 s"}
   * @param unneeded stops the wait early (returning false) when readiness no longer matters
   * @return true when ready, false when {@code unneeded} turned true first
   * @throws SandboxException when the process ends or the time is up, with the tail of its log
   */
  public boolean awaitReady(Duration timeout, String limit, BooleanSupplier unneeded)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new SandboxException(
            name + " " + exitDescription() + " before it was ready" + logTail());
      }
      if (ready()) {
        return true;
      }
      if (unneeded.getAsBoolean()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        throw new SandboxException(
            name + " was not ready " + limit + " (/readyz: " + lastProblem + ")" + logTail());
      }
      Thread.sleep(200);
    }
  }

  /** GETs {@code path} (say {@code /metrics}) from the process's HTTP port. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private boolean ready() {
    try {
      HttpResponse<String> response = get("/readyz");
      lastProblem = response.statusCode() + " " + response.body().strip();
      return response.statusCode() == 200;
    } catch (IOException e) {
      lastProblem = "no answer on port " + httpPort;
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public Duration sinceStart() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** The last lines of the log, ready to append to an error message. */
  public String logTail() {
    List<String> lines = tail(log, 25);
    if (lines.isEmpty()) {
      return "; its log " + log + " is empty";
    }
    return "; last lines of " + log + ":\n    " + String.join("\n    ", lines);
  }

  static List<String> tail(Path file, int count) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      long from = Math.max(0, length - 16_384);
      raf.seek(from);
      byte[] bytes = new byte[(int) (length - from)];
      raf.readFully(bytes);
      List<String> lines =
          new ArrayList<>(List.of(new String(bytes, StandardCharsets.UTF_8).split("\n")));
      if (from > 0 && !lines.isEmpty()) {
        lines.remove(0);
      }
      lines.removeIf(String::isBlank);
      return lines.subList(Math.max(0, lines.size() - count), lines.size());
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * Kills the process at once (SIGKILL), as a node that loses a pod does: no shutdown hook runs.
   * Returns once it is gone.
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Asks the process to stop (SIGTERM); {@link #awaitStopped} finishes the job. */
  public List<ProcessHandle> terminate() {
    // Taken before the signal: once the child is gone, what it started is no longer its.
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    return descendants;
  }

  /**
   * Stops the process: SIGTERM, then a kill of it and what it started once {@code grace} is over.
   *
   * @return true when it had to be killed
   */
  public boolean stop(Duration grace) {
    return awaitStopped(terminate(), System.nanoTime() + grace.toNanos());
  }

  /**
   * Waits for the process until the deadline, then kills it and whatever it left behind.
   *
   * @return true when the process had to be killed
   */
  public boolean awaitStopped(List<ProcessHandle> descendants, long deadlineNanos) {
    boolean killed = false;
    try {
      long left = deadlineNanos - System.nanoTime();
      if (!process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        killed = true;
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killed = true;
      process.destroyForcibly();
    }
    for (ProcessHandle p : descendants) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    return killed;
  }
}
