package dev.fanout.operator.console;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The console page's files, from a classpath folder: {@code /}, {@code /submit} and {@code
 * /jobs/NS/NAME} answer with its {@code index.html} (the page routes itself), {@code /assets/...}
 * with the file of that name. Nothing else: no listing, no path outside {@code assets/}.
 */
final class StaticFiles {
  /** The console loads its own scripts, styles and API only; no page may frame it. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("json", "application/json"),
          Map.entry("map", "application/json"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("txt", "text/plain; charset=utf-8"));

  private final String folder;

  StaticFiles(String folder) {
    this.folder = folder;
  }

  void serve(HttpExchange exchange, String path) throws IOException {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw new ApiError(405, method + " is not allowed here; use GET");
    }
    String resource = resourceOf(path);
    if (resource == null) {
      throw new ApiError(404, "not found: " + Query.printable(path));
    }
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream(folder + "/" + resource)) {
      if (in == null) {
        throw new ApiError(404, "not found: " + Query.printable(path));
      }
      byte[] bytes = in.readAllBytes();
      String ext = resource.substring(resource.lastIndexOf('.') + 1);
      exchange
          .getResponseHeaders()
          .set("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"));
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      // Only its own files, never inside another site's frame (whose page could click "Retry").
      exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
      exchange
          .getResponseHeaders()
          .set("Cache-Control", resource.equals("index.html") ? "no-cache" : "max-age=300");
      boolean head = method.equals("HEAD");
      exchange.sendResponseHeaders(200, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /** The file under the folder a path names, or null when it names none. */
  static String resourceOf(String path) {
    if (path.equals("/") || path.equals("/submit") || path.equals("/submit/")) {
      return "index.html";
    }
    String[] parts = path.substring(1).split("/", -1);
    if (parts.length == 3
        && parts[0].equals("jobs")
        && NAME.matcher(parts[1]).matches()
        && NAME.matcher(parts[2]).matches()) {
      return "index.html";
    }
    if (parts.length >= 2 && parts[0].equals("assets")) {
      for (int i = 1; i < parts.length; i++) {
        if (!SEGMENT.matcher(parts[i]).matches() || parts[i].contains("..")) {
          return null;
        }
      }
      if (!parts[parts.length - 1].contains(".")) {
        return null;
      }
      return String.join("/", parts);
    }
    return null;
  }
}
