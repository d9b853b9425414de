package dev.fanout.sandbox;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The live view of the Jobs while they run: on a terminal, one line per Job redrawn in place with a
 * progress bar, fitted to the terminal's width; elsewhere (a pipe, a file, CI), a plain line
 * whenever a Job's phase or progress changes, at most one a second per Job, and always its final
 * state.
 */
abstract sealed class ProgressView {
  protected final PrintStream out;
  protected final long startNanos;
  protected final int nameWidth;
  protected volatile String footer;

  private ProgressView(PrintStream out, List<JobTracker> jobs, long startNanos) {
    this.out = out;
    this.startNanos = startNanos;
    this.nameWidth = Math.min(40, jobs.stream().mapToInt(j -> j.ref().length()).max().orElse(10));
  }

  /**
   * @param terminal the size of the terminal to redraw the view on, or null for a line log
   */
  static ProgressView create(
      PrintStream out,
      List<JobTracker> jobs,
      long startNanos,
      Supplier<TerminalSize.Size> terminal) {
    return terminal != null
        ? new Terminal(out, jobs, startNanos, terminal)
        : new Lines(out, jobs, startNanos);
  }

  /** A line under the Jobs (the worker count of {@code --autoscale}), or null for none. */
  void footer(String text) {
    footer = text;
  }

  /** Shows the trackers' current state. */
  abstract void update(List<JobTracker> jobs, long nowNanos);

  /** Shows the final state once more and leaves the cursor below the view. */
  abstract void finish(List<JobTracker> jobs, long nowNanos);

  protected String name(JobTracker job) {
    return ProgressRow.cut(job.ref(), nameWidth);
  }

  protected static String counts(JobTracker job, long nowNanos) {
    String done = job.done() + "/" + job.total();
    return String.format(
        Locale.ROOT,
        "%-9s %9s  failed %-4d %7.1f tasks/s",
        job.phase(),
        done,
        job.failedCount(),
        job.rate(nowNanos));
  }

  /**
   * Redraws one line per Job in place with ANSI cursor movement, each fitted to the terminal's
   * width ({@link ProgressRow}); with more Jobs than rows, the first ones and a line for the rest.
   * Auto-wrap is off while a frame is drawn, so that even a width read wrong cuts a line short
   * instead of wrapping it.
   */
  static final class Terminal extends ProgressView {
    private final Supplier<TerminalSize.Size> size;
    private int drawn;

    Terminal(
        PrintStream out, List<JobTracker> jobs, long startNanos, Supplier<TerminalSize.Size> size) {
      super(out, jobs, startNanos);
      this.size = size;
    }

    @Override
    void update(List<JobTracker> jobs, long nowNanos) {
      StringBuilder sb = new StringBuilder("\033[?7l");
      if (drawn > 0) {
        sb.append("\033[").append(drawn).append('F');
      }
      List<String> lines = frame(jobs, nowNanos, size.get());
      for (String line : lines) {
        sb.append("\033[2K").append(line).append('\n');
      }
      // Clears what an earlier, taller frame left below this one.
      sb.append("\033[J\033[?7h");
      drawn = lines.size();
      out.print(sb);
      out.flush();
    }

    /** The lines of one frame: at most one row less than the terminal has, none too wide. */
    List<String> frame(List<JobTracker> jobs, long nowNanos, TerminalSize.Size size) {
      // The last column is left free: some terminals wrap as soon as it is written.
      int columns = Math.max(1, size.columns() - 1);
      int rows = Math.max(1, size.rows() - 1 - (footer == null ? 0 : 1));
      List<JobTracker> shown = jobs.size() <= rows ? jobs : jobs.subList(0, rows - 1);
      List<String> lines = new ArrayList<>();
      for (JobTracker job : shown) {
        lines.add(ProgressRow.of(job, nowNanos).fit(nameWidth, columns));
      }
      if (shown.size() < jobs.size()) {
        List<JobTracker> rest = jobs.subList(shown.size(), jobs.size());
        String more =
            String.format(
                Locale.ROOT,
                "... and %d more Jobs, %d of them finished",
                rest.size(),
                rest.stream().filter(JobTracker::finished).count());
        lines.add(ProgressRow.cut(more, columns).stripTrailing());
      }
      if (footer != null) {
        lines.add(ProgressRow.cut(footer, columns).stripTrailing());
      }
      return lines;
    }

    @Override
    void finish(List<JobTracker> jobs, long nowNanos) {
      update(jobs, nowNanos);
    }
  }

  /** One line per change, rate-limited per Job. */
  static final class Lines extends ProgressView {
    private static final long MIN_GAP_NANOS = 1_000_000_000L;
    private final Map<JobTracker, String> printed = new HashMap<>();
    private final Map<JobTracker, Long> printedAt = new HashMap<>();
    private String printedFooter;

    Lines(PrintStream out, List<JobTracker> jobs, long startNanos) {
      super(out, jobs, startNanos);
    }

    @Override
    void update(List<JobTracker> jobs, long nowNanos) {
      for (JobTracker job : jobs) {
        String state = job.phase() + " " + job.done() + "/" + job.total() + " " + job.failedCount();
        if (state.equals(printed.get(job))) {
          continue;
        }
        Long at = printedAt.get(job);
        // The final state is shown at once; changes before it at most once a second.
        if (!job.finished() && at != null && nowNanos - at < MIN_GAP_NANOS) {
          continue;
        }
        out.printf(
            Locale.ROOT,
            "%7.1fs  %s  %s%n",
            (nowNanos - startNanos) / 1e9,
            name(job),
            counts(job, nowNanos));
        printed.put(job, state);
        printedAt.put(job, nowNanos);
      }
      String now = footer;
      if (now != null && !now.equals(printedFooter)) {
        out.printf(Locale.ROOT, "%7.1fs  %s%n", (nowNanos - startNanos) / 1e9, now);
        printedFooter = now;
      }
      out.flush();
    }

    @Override
    void finish(List<JobTracker> jobs, long nowNanos) {
      update(jobs, nowNanos);
    }
  }
}
