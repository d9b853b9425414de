package dev.fanout.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthServerTest {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersHealthReadinessAndMetrics() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("fanout_tasks_sent").increment(3);
    AtomicReference<String> problem = new AtomicReference<>("SQS: connection refused");
    try (HealthServer server = new HealthServer(0, problem::get, registry)) {
      assertThat(get(server.port(), "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(server.port(), "/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("SQS: connection refused");
      problem.set(null);
      assertThat(get(server.port(), "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(server.port(), "/metrics").body()).contains("fanout_tasks_sent_total 3.0");
    }
  }
}
