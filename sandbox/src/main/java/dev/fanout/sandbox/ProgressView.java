package dev.fanout.sandbox;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The live view of the Jobs while they run: on a terminal, one line per Job redrawn in place with a
 * progress bar; elsewhere (a pipe, a file, CI), a plain line whenever a Job's phase or progress
 * changes, at most one a second per Job, and always its final state.
 */
abstract sealed class ProgressView {
  protected final PrintStream out;
  protected final long startNanos;
  protected final int nameWidth;

  private ProgressView(PrintStream out, List<JobTracker> jobs, long startNanos) {
    this.out = out;
    this.startNanos = startNanos;
    this.nameWidth = Math.min(40, jobs.stream().mapToInt(j -> j.ref().length()).max().orElse(10));
  }

  static ProgressView create(PrintStream out, List<JobTracker> jobs, long startNanos, boolean tty) {
    return tty ? new Terminal(out, jobs, startNanos) : new Lines(out, jobs, startNanos);
  }

  /** Shows the trackers' current state. */
  abstract void update(List<JobTracker> jobs, long nowNanos);

  /** Shows the final state once more and leaves the cursor below the view. */
  abstract void finish(List<JobTracker> jobs, long nowNanos);

  protected String name(JobTracker job) {
    String ref = job.ref();
    if (ref.length() > nameWidth) {
      ref = ref.substring(0, nameWidth - 1) + "~";
    }
    return String.format(Locale.ROOT, "%-" + nameWidth + "s", ref);
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

  /** Redraws one line per Job with ANSI cursor movement. */
  static final class Terminal extends ProgressView {
    private static final int BAR = 24;
    private int drawn;

    Terminal(PrintStream out, List<JobTracker> jobs, long startNanos) {
      super(out, jobs, startNanos);
    }

    @Override
    void update(List<JobTracker> jobs, long nowNanos) {
      StringBuilder sb = new StringBuilder();
      if (drawn > 0) {
        sb.append("\033[").append(drawn).append('F');
      }
      for (JobTracker job : jobs) {
        sb.append("\033[2K").append(line(job, nowNanos)).append('\n');
      }
      drawn = jobs.size();
      out.print(sb);
      out.flush();
    }

    private String line(JobTracker job, long nowNanos) {
      int total = job.total();
      double fraction = total == 0 ? 0 : Math.min(1.0, job.done() / (double) total);
      // Rounded down: a full bar and 100 % mean every task is done.
      int filled = (int) Math.floor(fraction * BAR);
      return name(job)
          + "  ["
          + "#".repeat(filled)
          + "-".repeat(BAR - filled)
          + "] "
          + String.format(Locale.ROOT, "%3d%%  ", (int) Math.floor(fraction * 100))
          + counts(job, nowNanos);
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
      out.flush();
    }

    @Override
    void finish(List<JobTracker> jobs, long nowNanos) {
      update(jobs, nowNanos);
    }
  }
}
