package dev.fanout.sandbox;

import java.util.List;
import java.util.Locale;

/**
 * One Job's line in the live terminal view, fitted to the terminal's width. A line that wrapped
 * would take two rows where the redraw moves the cursor up one, and every frame would leave a copy
 * behind; so as the width shrinks the bar narrows, then goes, then the rate goes, then the name is
 * cut, and last the line itself.
 */
record ProgressRow(String ref, String phase, int done, int total, int failed, double rate) {
  static final int MAX_BAR = 24;
  static final int MIN_BAR = 10;
  private static final int MIN_NAME = 8;

  static ProgressRow of(JobTracker job, long nowNanos) {
    return new ProgressRow(
        job.ref(), job.phase(), job.done(), job.total(), job.failedCount(), job.rate(nowNanos));
  }

  /**
   * The line, at most {@code columns} characters long.
   *
   * @param nameWidth the width of the name column, the same for every Job of the view
   */
  String fit(int nameWidth, int columns) {
    String name = cut(ref, nameWidth);
    String counts =
        String.format(
            Locale.ROOT,
            "%3d%%  %-9s %9s  failed %-3d",
            (int) Math.floor(fraction() * 100),
            phase,
            done + "/" + total,
            failed);
    String longRate = String.format(Locale.ROOT, " %6.1f tasks/s", rate);
    String shortRate = String.format(Locale.ROOT, " %6.1f/s", rate);
    for (String rateText : List.of(longRate, shortRate)) {
      int room = columns - name.length() - "  [] ".length() - counts.length() - rateText.length();
      int bar = Math.min(MAX_BAR, room);
      if (bar >= MIN_BAR) {
        return name + "  [" + bar(bar) + "] " + counts + rateText;
      }
    }
    for (String rateText : List.of(shortRate, "")) {
      String line = name + "  " + counts + rateText;
      if (line.length() <= columns) {
        return line.stripTrailing();
      }
    }
    int nameRoom = columns - 2 - counts.length();
    if (nameRoom >= MIN_NAME) {
      return (cut(ref, nameRoom) + "  " + counts).stripTrailing();
    }
    return cut(name.strip() + "  " + counts.strip(), columns).stripTrailing();
  }

  private double fraction() {
    return total == 0 ? 0 : Math.min(1.0, done / (double) total);
  }

  /** Rounded down: a full bar means every task is done. */
  private String bar(int width) {
    int filled = (int) Math.floor(fraction() * width);
    return "#".repeat(filled) + "-".repeat(width - filled);
  }

  /** {@code text} padded to {@code width}, or cut to it with {@code ~} as its last character. */
  static String cut(String text, int width) {
    if (width <= 0) {
      return "";
    }
    if (text.length() > width) {
      return text.substring(0, width - 1) + "~";
    }
    return text + " ".repeat(width - text.length());
  }
}
