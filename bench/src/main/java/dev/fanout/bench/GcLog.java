package dev.fanout.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM's {@code -Xlog:gc} file: each collection logs the heap before and after it ({@code
 * 120M->31M(256M)}), which gives the exact peak a sampler could miss and the heap that was still
 * live after collecting.
 */
final class GcLog {
  private static final Pattern HEAP =
      Pattern.compile("GC\\(\\d+\\) .* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  private final Path file;

  GcLog(Path file) {
    this.file = file;
  }

  /** The JVM option that writes this log. */
  String option() {
    return "-Xlog:gc:file=" + file;
  }

  /** How many lines there are now: {@link #since} reads what comes after. */
  int mark() {
    return lines().size();
  }

  /** The highest heap before and after a collection in the lines after {@code mark}. */
  Peaks since(int mark) {
    List<String> lines = lines();
    long before = 0;
    long after = 0;
    int collections = 0;
    for (String line : lines.subList(Math.min(mark, lines.size()), lines.size())) {
      Matcher m = HEAP.matcher(line);
      if (m.find()) {
        collections++;
        before = Math.max(before, bytes(m.group(1), m.group(2)));
        after = Math.max(after, bytes(m.group(3), m.group(4)));
      }
    }
    return new Peaks(before, after, collections);
  }

  /** Bytes; a collection's heap before it is the peak since the previous one. */
  record Peaks(long beforeGc, long afterGc, int collections) {}

  static long bytes(String value, String unit) {
    long n = Long.parseLong(value);
    return switch (unit) {
      case "K" -> n << 10;
      case "M" -> n << 20;
      default -> n << 30;
    };
  }

  private List<String> lines() {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }
}
