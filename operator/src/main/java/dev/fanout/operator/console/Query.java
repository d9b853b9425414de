package dev.fanout.operator.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request's query parameters, and their checks: a 400 naming the parameter when one is bad. */
final class Query {
  private Query() {}

  static Map<String, String> parse(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    if (raw.length() > 4096) {
      throw new ApiError(400, "the query string is too long");
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String key =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        params.putIfAbsent(key, value);
      } catch (IllegalArgumentException e) {
        throw new ApiError(400, "the query string is not URL-encoded properly");
      }
    }
    return params;
  }

  static int integer(Map<String, String> params, String name, int fallback, int min, int max) {
    String value = params.get(name);
    if (value == null) {
      return fallback;
    }
    int parsed;
    try {
      parsed = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new ApiError(400, name + " must be a whole number, was \"" + printable(value) + "\"");
    }
    if (parsed < min || parsed > max) {
      throw new ApiError(400, name + " must be between " + min + " and " + max + ", was " + parsed);
    }
    return parsed;
  }

  /** A value fit to quote back in a message: short, no control characters. */
  static String printable(String value) {
    String cut = value.length() > 64 ? value.substring(0, 64) + "…" : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
