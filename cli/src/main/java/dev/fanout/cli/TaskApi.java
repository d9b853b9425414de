package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The operator's task API ({@code GET /api/v1/namespaces/NS/jobs/NAME/tasks}), read page by page
 * through {@code next} with the user's bearer token; one page in memory at a time.
 */
final class TaskApi {
  /** The states the API knows; a filter is matched to them case-insensitively. */
  static final String[] STATES = {"Pending", "Sent", "Succeeded", "Failed", "NotRun"};

  static final int MAX_PAGE = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** The task API could not be reached at all (as opposed to answering with an error). */
  static class Unreachable extends CliException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  TaskApi(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  /** The API's spelling of a state, or null when it is none of {@link #STATES}. */
  static String state(String given) {
    for (String s : STATES) {
      if (s.equalsIgnoreCase(given)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Hands each task (the API's item) of the Job to {@code each}, in index order, at most {@code
   * limit} of them (0: all), fetching pages of at most {@code page}.
   */
  void forEachTask(
      String namespace, String name, String state, int limit, int page, Consumer<JsonNode> each) {
    Integer after = null;
    int seen = 0;
    while (true) {
      int want = limit == 0 ? page : Math.min(page, limit - seen);
      JsonNode body = get(path(namespace, name, state, after, want));
      JsonNode items = body.path("items");
      for (JsonNode item : items) {
        each.accept(item);
        seen++;
        if (limit != 0 && seen >= limit) {
          return;
        }
      }
      JsonNode next = body.path("next");
      if (next.isNull() || next.isMissingNode() || items.isEmpty()) {
        return;
      }
      after = next.asInt();
    }
  }

  private String path(String namespace, String name, String state, Integer after, int limit) {
    StringBuilder path =
        new StringBuilder("/api/v1/namespaces/")
            .append(encode(namespace))
            .append("/jobs/")
            .append(encode(name))
            .append("/tasks?limit=")
            .append(limit);
    if (state != null) {
      path.append("&state=").append(encode(state));
    }
    if (after != null) {
      path.append("&after=").append(after);
    }
    return path.toString();
  }

  private JsonNode get(String path) {
    URI uri = base.resolve(path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable(
          "cannot reach the task API at "
              + base
              + ": "
              + (e.getMessage() == null ? e : e.getMessage()),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", e);
    }
    int code = response.statusCode();
    if (code == 200) {
      try {
        return JSON.readTree(response.body());
      } catch (IOException e) {
        throw new CliException("the task API at " + base + " answered something that is not JSON");
      }
    }
    throw new ServerError(
        "Error from the Fanout console ("
            + ApiErrors.reasonOf(code)
            + "): "
            + messageOf(response.body(), code));
  }

  /** The console's own message (a JSON {@code message} or {@code error}, else the text). */
  private static String messageOf(String body, int code) {
    String text = body == null ? "" : body.strip();
    try {
      JsonNode json = JSON.readTree(text);
      for (String field : new String[] {"message", "error"}) {
        if (json != null && json.path(field).isTextual()) {
          return json.path(field).asText();
        }
      }
    } catch (IOException e) {
      // not JSON: the text itself
    }
    if (text.isEmpty() || text.length() > 300) {
      return "the console answered " + code;
    }
    return text.replaceAll("\\s+", " ");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
