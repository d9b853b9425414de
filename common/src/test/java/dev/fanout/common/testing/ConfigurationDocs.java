package dev.fanout.common.testing;

import dev.fanout.common.config.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The settings a program reads that {@code docs/configuration.md} does not list for it. */
public final class ConfigurationDocs {
  private static final Path DOCS = Path.of("..", "docs", "configuration.md");

  private ConfigurationDocs() {}

  /**
   * @param section the heading of the program's section, e.g. {@code "## Worker"}
   * @return the names of settings missing from that section's table
   */
  public static List<String> undocumented(List<Setting> settings, String section) {
    String text;
    try {
      text = Files.readString(DOCS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int start = text.indexOf("\n" + section + "\n");
    if (start < 0) {
      throw new IllegalStateException(DOCS + " has no section '" + section + "'");
    }
    int end = text.indexOf("\n## ", start + section.length() + 1);
    String body = end < 0 ? text.substring(start) : text.substring(start, end);
    return settings.stream()
        .map(Setting::name)
        .filter(name -> !body.contains("`" + name + "`"))
        .toList();
  }
}
