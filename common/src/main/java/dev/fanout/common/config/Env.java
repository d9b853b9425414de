package dev.fanout.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Typed reads of environment variables; a bad value throws a {@link ConfigException}. */
public final class Env {
  private final Map<String, String> vars;

  public Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  /** The value, trimmed, or null when unset or blank. */
  public String raw(Setting setting) {
    String value = vars.get(setting.name());
    if (value == null || value.isBlank()) {
      return null;
    }
    return value.trim();
  }

  public boolean isSet(Setting setting) {
    return raw(setting) != null;
  }

  public String string(Setting setting, String fallback) {
    String value = raw(setting);
    return value == null ? fallback : value;
  }

  public int integer(Setting setting, int fallback, int min, int max) {
    String value = raw(setting);
    if (value == null) {
      return fallback;
    }
    int parsed;
    try {
      parsed = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(setting, "must be a whole number, was \"" + value + "\"");
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(
          setting, "must be between " + min + " and " + max + ", was " + parsed);
    }
    return parsed;
  }

  public boolean bool(Setting setting, boolean fallback) {
    String value = raw(setting);
    if (value == null) {
      return fallback;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(setting, "must be true or false, was \"" + value + "\"");
    };
  }

  /** A comma-separated list, blanks dropped; empty when unset. */
  public List<String> list(Setting setting) {
    String value = raw(setting);
    if (value == null) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** An absolute http(s) URL, or null when unset. */
  public URI httpUrl(Setting setting) {
    String value = raw(setting);
    if (value == null) {
      return null;
    }
    try {
      URI uri = new URI(value);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new ConfigException(setting, "must be an http(s) URL, was \"" + value + "\"");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(setting, "must be an http(s) URL, was \"" + value + "\"");
    }
  }
}
