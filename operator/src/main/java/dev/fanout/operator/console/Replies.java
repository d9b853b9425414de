package dev.fanout.operator.console;

import com.sun.net.httpserver.HttpExchange;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The console's JSON answers and errors ({@code {"error", "status"}}), and bounded bodies. */
final class Replies {
  private final KubernetesSerialization json;

  Replies(KubernetesSerialization json) {
    this.json = json;
  }

  void json(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = json.asJson(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  void error(HttpExchange exchange, int status, String message) {
    try {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", message);
      body.put("status", status);
      if (status == 401) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      }
      json(exchange, status, body);
    } catch (IOException | RuntimeException e) {
      // Headers already sent (a watch that failed midway) or the client gone: nothing to tell.
    }
  }

  /** Drains the request body: at most {@code max} bytes, else 413. */
  static byte[] readBody(HttpExchange exchange, int max) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > max) {
          throw new ApiError(413, "the body is larger than " + max + " bytes");
        }
      } catch (NumberFormatException e) {
        throw new ApiError(400, "Content-Length is not a number");
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw new ApiError(413, "the body is larger than " + max + " bytes");
      }
      return body;
    }
  }
}
