package dev.fanout.sandbox;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time series of {@code --autoscale-trace FILE}: once a second and on each change of the
 * replicas or workers, the pool's runnable tasks, desired replicas and queue depth from the
 * operator's {@code /metrics}, and the Deployment's replicas and the worker processes running, as
 * CSV ({@link TraceSvg} draws it).
 */
final class AutoscaleTrace implements AutoCloseable {
  static final String HEADER =
      "seconds,runnable_tasks,desired_replicas,queue_visible,queue_inflight,replicas,workers";
  private static final long EVERY_NANOS = 1_000_000_000L;
  private static final Pattern SAMPLE =
      Pattern.compile(
          "(?m)^(fanout_pool_runnable_tasks|fanout_pool_desired_replicas|"
              + "fanout_queue_messages)\\{([^}]*)}\\s+(\\S+)$");

  private final BufferedWriter out;
  private final ChildProcess operator;
  private final String pool;
  private final long startNanos;
  private long lastNanos;
  private boolean sampled;
  private int lastReplicas;
  private int lastWorkers;

  AutoscaleTrace(Path file, ChildProcess operator, String pool, long startNanos)
      throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.out = Files.newBufferedWriter(file);
    this.operator = operator;
    this.pool = pool;
    this.startNanos = startNanos;
    out.write(HEADER);
    out.newLine();
  }

  /**
   * Writes a row when a second has passed since the last one, or at once when the replicas or the
   * workers changed (so that the trace has every step, the last one too).
   */
  void sample(long nowNanos, int replicas, int workers) {
    boolean changed = replicas != lastReplicas || workers != lastWorkers;
    if (sampled && !changed && nowNanos - lastNanos < EVERY_NANOS) {
      return;
    }
    sampled = true;
    lastNanos = nowNanos;
    lastReplicas = replicas;
    lastWorkers = workers;
    long[] m = {-1, -1, -1, -1};
    try {
      HttpResponse<String> metrics = operator.get("/metrics");
      Matcher s = SAMPLE.matcher(metrics.body());
      while (s.find()) {
        if (!s.group(2).contains("pool=\"" + pool + "\"")) {
          continue;
        }
        long v = (long) Double.parseDouble(s.group(3));
        switch (s.group(1)) {
          case "fanout_pool_runnable_tasks" -> m[0] = v;
          case "fanout_pool_desired_replicas" -> m[1] = v;
          default -> {
            if (s.group(2).contains("state=\"visible\"")) {
              m[2] = v;
            } else if (s.group(2).contains("state=\"inflight\"")) {
              m[3] = v;
            }
          }
        }
      }
    } catch (IOException e) {
      // the operator is stopping: the row has no metrics (-1)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      out.write(
          String.format(
              Locale.ROOT,
              "%.1f,%d,%d,%d,%d,%d,%d",
              (nowNanos - startNanos) / 1e9,
              m[0],
              m[1],
              m[2],
              m[3],
              replicas,
              workers));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      // nothing more to write
    }
  }
}
