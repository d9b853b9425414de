package dev.fanout.common.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How both programs log, read by their logback.xml ({@code ${FANOUT_LOG_LEVEL}}, {@code
 * ${FANOUT_LOG_FORMAT}}) and checked here at start, so that a typo stops the program naming the
 * variable instead of leaving it silent.
 */
public final class LogSettings {
  private LogSettings() {}

  public static final Setting LEVEL =
      new Setting(
          "FANOUT_LOG_LEVEL", "INFO", "the least level logged: TRACE, DEBUG, INFO, WARN or ERROR");
  public static final Setting FORMAT =
      new Setting(
          "FANOUT_LOG_FORMAT",
          "text",
          "text: one line per event; json: one JSON object per line (logback's JsonEncoder)");

  public static final List<Setting> SETTINGS = List.of(LEVEL, FORMAT);

  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
  private static final Set<String> FORMATS = Set.of("text", "json");

  /** Throws a {@link ConfigException} naming the variable when either value is not one known. */
  public static void check(Env env) {
    String level = env.raw(LEVEL);
    if (level != null && !LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
      throw new ConfigException(
          LEVEL, "must be TRACE, DEBUG, INFO, WARN or ERROR, was \"" + level + "\"");
    }
    String format = env.raw(FORMAT);
    if (format != null && !FORMATS.contains(format)) {
      throw new ConfigException(FORMAT, "must be text or json, was \"" + format + "\"");
    }
  }
}
