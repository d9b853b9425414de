package dev.fanout.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The size of the terminal the live view draws on, from {@code stty size} on {@code /dev/tty},
 * asked again at most once a second so that a resized window is followed; {@code COLUMNS} and
 * {@code LINES}, else 80x24, when the terminal cannot be asked.
 */
final class TerminalSize implements Supplier<TerminalSize.Size> {
  private static final long RECHECK_NANOS = 1_000_000_000L;
  private static final Size STANDARD = new Size(80, 24);

  /** Character cells across and rows down. */
  record Size(int columns, int rows) {}

  private final Size fallback;
  private Size last;
  private long askedAt;

  /**
   * @param env the sandbox's environment, for {@code COLUMNS} and {@code LINES}
   */
  TerminalSize(Map<String, String> env) {
    this.fallback =
        new Size(
            positive(env.get("COLUMNS"), STANDARD.columns()),
            positive(env.get("LINES"), STANDARD.rows()));
  }

  @Override
  public Size get() {
    long now = System.nanoTime();
    if (last == null || now - askedAt >= RECHECK_NANOS) {
      Size asked = ask();
      last = asked == null ? fallback : asked;
      askedAt = now;
    }
    return last;
  }

  /** {@code stty size}'s answer, "rows columns"; null when it is not one (0 0 means unknown). */
  static Size parse(String answer) {
    String[] parts = answer.strip().split("\\s+");
    if (parts.length != 2) {
      return null;
    }
    int rows = positive(parts[0], 0);
    int columns = positive(parts[1], 0);
    return rows > 0 && columns > 0 ? new Size(columns, rows) : null;
  }

  private static Size ask() {
    try {
      Process stty =
          new ProcessBuilder("stty", "size")
              .redirectInput(new File("/dev/tty"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!stty.waitFor(1, TimeUnit.SECONDS)) {
        stty.destroyForcibly();
        return null;
      }
      String answer = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return stty.exitValue() == 0 ? parse(answer) : null;
    } catch (IOException e) {
      // no stty, or no controlling terminal: the fallback
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static int positive(String text, int otherwise) {
    if (text == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(text.strip());
      return n > 0 ? n : otherwise;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
