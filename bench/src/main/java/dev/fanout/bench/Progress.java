package dev.fanout.bench;

import java.io.PrintStream;

/** One line per step on the terminal, with the time since the benchmark started. */
final class Progress {
  private final PrintStream out;
  private final long start = System.nanoTime();

  Progress(PrintStream out) {
    this.out = out;
  }

  void say(String format, Object... args) {
    out.printf("%6.1fs  %s%n", (System.nanoTime() - start) / 1e9, String.format(format, args));
    out.flush();
  }

  double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
