package dev.fanout.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL cluster of one test's own, made and run by the project's {@code scripts/postgres.sh}
 * in a directory and on a port of its own, so that the test may stop and start it without
 * disturbing the shared server other tests use.
 */
final class PrivatePostgres implements AutoCloseable {
  private static final Pattern EXPORT = Pattern.compile("^export (\\w+)=(.*)$", Pattern.MULTILINE);

  private final Path script;
  private final Path dir;
  private final int port;
  private final Path log;
  private String url;
  private String user;
  private String password;

  private PrivatePostgres(Path script, Path dir, int port, Path log) {
    this.script = script;
    this.dir = dir;
    this.port = port;
    this.log = log;
  }

  /**
   * Creates and starts a cluster in a new directory under {@code /tmp} (a unix socket path must be
   * short, and the server's OS user must reach it).
   *
   * @param log where the script's own output goes
   */
  static PrivatePostgres start(Path repo, int port, Path log) throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "fanout-faults-pg-");
    PrivatePostgres pg = new PrivatePostgres(repo.resolve("scripts/postgres.sh"), dir, port, log);
    String exports = pg.script("start");
    Matcher m = EXPORT.matcher(exports);
    while (m.find()) {
      switch (m.group(1)) {
        case "FANOUT_TEST_PG_URL" -> pg.url = m.group(2);
        case "FANOUT_TEST_PG_USER" -> pg.user = m.group(2);
        case "FANOUT_TEST_PG_PASSWORD" -> pg.password = m.group(2);
        default -> {}
      }
    }
    if (pg.url == null) {
      throw new IllegalStateException("scripts/postgres.sh printed no URL; see " + log);
    }
    return pg;
  }

  String url() {
    return url;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  /** Stops the server (a fast shutdown: sessions are cut); the cluster stays on disk. */
  void stop() throws IOException {
    script("stop");
  }

  /** Starts the stopped server again. */
  void restart() throws IOException {
    script("start");
  }

  /** The postmaster's pid while it runs. */
  OptionalLong pid() throws IOException {
    Path pidFile = dir.resolve("data/postmaster.pid");
    if (!Files.exists(pidFile)) {
      return OptionalLong.empty();
    }
    List<String> lines = Files.readAllLines(pidFile);
    return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0)));
  }

  private String script(String command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(script.toString(), command);
    builder
        .environment()
        .putAll(Map.of("FANOUT_PG_DIR", dir.toString(), "FANOUT_PG_PORT", "" + port));
    builder.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes());
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("scripts/postgres.sh " + command + " failed; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: scripts/postgres.sh " + command, e);
    }
    return out;
  }

  /**
   * Stops the server and deletes the cluster.
   *
   * @throws org.awaitility.core.ConditionTimeoutException when its postmaster outlives the stop
   */
  @Override
  public void close() throws IOException {
    OptionalLong pid = pid();
    stop();
    if (pid.isPresent()) {
      // Its parent is init, which reaps it a moment after the pid file is gone.
      await("PostgreSQL (pid " + pid.getAsLong() + ") to be gone")
          .atMost(Duration.ofSeconds(15))
          .until(() -> ProcessHandle.of(pid.getAsLong()).isEmpty());
    }
    FaultBed.deleteTree(dir);
  }
}
