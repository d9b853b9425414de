package dev.fanout.faults;

import static org.awaitility.Awaitility.await;

import dev.fanout.sandbox.ChildProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** What a program's health port answers: {@code /readyz} and the Prometheus {@code /metrics}. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {}

  /** The status code of {@code /readyz}; -1 when nothing answers. */
  static int readyz(int port) {
    try {
      return get(port, "/readyz").statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits until every one of the processes answers {@code /readyz} with {@code status}. */
  static void awaitReadyz(int status, Duration limit, List<ChildProcess> processes) {
    await("/readyz to answer " + status)
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> processes.stream().allMatch(p -> readyz(p.httpPort()) == status));
  }

  /** The sum of every sample of the metric (all label sets); 0 when it has none. */
  static double metric(int port, String name) throws IOException {
    return metric(port, name, "");
  }

  /** The sum of the metric's samples whose labels contain {@code label}, like {@code a="b"}. */
  static double metric(int port, String name, String label) throws IOException {
    double sum = 0;
    for (String line : get(port, "/metrics").body().split("\n")) {
      boolean labelled = line.startsWith(name + "{") && line.contains(label);
      if ((label.isEmpty() && line.startsWith(name + " ")) || labelled) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static HttpResponse<String> get(int port, String path) throws IOException {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
              .timeout(Duration.ofSeconds(15))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
