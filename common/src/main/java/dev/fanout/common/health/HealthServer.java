package dev.fanout.common.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /healthz} (alive), {@code /readyz} (200 when every dependency answers, else 503 naming
 * what does not) and {@code /metrics} (Prometheus) on one port.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  /**
   * @param readiness returns null when ready, else what is not reachable
   */
  public HealthServer(int port, Supplier<String> readiness, PrometheusMeterRegistry registry)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 16);
    server.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().factory()));
    server.createContext("/healthz", ex -> respond(ex, 200, "ok\n", "text/plain"));
    server.createContext(
        "/readyz",
        ex -> {
          String problem;
          try {
            problem = readiness.get();
          } catch (RuntimeException e) {
            problem = e.toString();
          }
          if (problem == null) {
            respond(ex, 200, "ok\n", "text/plain");
          } else {
            respond(ex, 503, "not ready: " + problem + "\n", "text/plain");
          }
        });
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int code, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
