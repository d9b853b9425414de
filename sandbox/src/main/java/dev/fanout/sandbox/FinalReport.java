package dev.fanout.sandbox;

import dev.fanout.api.JobCondition;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The end of a run, as text: each Job's final status as the API holds it (phase, counts,
 * conditions, failures), then what the operator's database says about its tasks.
 */
final class FinalReport {
  private static final int MAX_MESSAGE = 300;

  private final PrintStream out;

  FinalReport(PrintStream out) {
    this.out = out;
  }

  void status(JobTracker job) {
    JobStatus s = job.status();
    out.println();
    out.printf("Job %s (%s): %s%n", job.ref(), RepoLayout.display(job.file()), headline(job, s));
    if (s == null) {
      return;
    }
    if (s.getConditions() != null) {
      for (JobCondition c : s.getConditions()) {
        out.printf(
            "  condition   %s=%s  %s%s%n",
            c.getType(),
            c.getStatus(),
            c.getReason() == null ? "" : c.getReason(),
            c.getMessage() == null ? "" : ": " + shorten(c.getMessage()));
      }
    }
    if (s.getFailedIndexes() != null && !s.getFailedIndexes().isEmpty()) {
      out.printf("  failed      indexes %s%n", s.getFailedIndexes());
    }
    List<TaskFailure> failures = s.getFailures() == null ? List.of() : s.getFailures();
    for (int i = 0; i < failures.size(); i++) {
      TaskFailure f = failures.get(i);
      out.printf(
          "  %-11s task %d, %d attempt%s, %s: %s%n",
          i == 0 ? "failures" : "",
          f.getIndex(),
          f.getAttempts(),
          f.getAttempts() != null && f.getAttempts() == 1 ? "" : "s",
          f.getReason(),
          shorten(f.getMessage()));
    }
  }

  private static String headline(JobTracker job, JobStatus s) {
    if (s == null) {
      return job.deleted()
          ? "deleted before it had a status"
          : "no status (the operator never saw it)";
    }
    StringBuilder sb =
        new StringBuilder(job.phase())
            .append(", ")
            .append(job.succeededCount())
            .append(" succeeded, ")
            .append(job.failedCount())
            .append(" failed");
    // The operator leaves total out when it refuses the spec.
    if (s.getTotal() != null) {
      sb.append(", of ").append(s.getTotal());
    }
    Duration took = took(s);
    if (took != null) {
      sb.append(String.format(Locale.ROOT, ", in %.1f s", took.toMillis() / 1000.0));
    }
    if (job.deleted()) {
      sb.append(" (deleted since; last status shown)");
    }
    return sb.toString();
  }

  private static Duration took(JobStatus s) {
    try {
      if (s.getStartTime() != null && s.getCompletionTime() != null) {
        return Duration.between(
            Instant.parse(s.getStartTime()), Instant.parse(s.getCompletionTime()));
      }
    } catch (RuntimeException e) {
      // not RFC 3339: leave the duration out
    }
    return null;
  }

  void rows(TaskRowReader.Summary r) {
    out.println("  task rows   in the operator's database (fanout_job, fanout_task)");
    if (!r.recorded()) {
      out.println("              none: the operator never fanned this Job out");
      return;
    }
    out.printf(
        "    states    %s%s%n",
        r.byState().entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", ")),
        r.phase() == null ? "" : "  (job record: " + r.phase() + ", " + r.total() + " tasks)");
    out.printf(
        "    attempts  %s%n",
        r.byAttempts().entrySet().stream()
            .map(e -> e.getKey() + ": " + plural(e.getValue(), "task"))
            .collect(Collectors.joining(", ")));
    if (!r.slowest().isEmpty()) {
      out.printf(
          "    slowest   %s%n",
          r.slowest().stream()
              .map(row -> "task " + row.index() + " " + row.durationMs() + " ms")
              .collect(Collectors.joining(", ")));
    }
    for (int i = 0; i < r.failed().size(); i++) {
      TaskRowReader.Row row = r.failed().get(i);
      out.printf(
          "    %-9s task %d, %s: %s%n",
          i == 0 ? "failed" : "",
          row.index(),
          plural(row.attempts(), "attempt"),
          row.lastError() == null ? "(no error recorded)" : shorten(row.lastError()));
    }
    if (r.failedCount() > r.failed().size()) {
      out.printf("              ... and %d more%n", r.failedCount() - r.failed().size());
    }
    if (!r.finished()) {
      out.println("    note      the operator had not closed this Job's record yet");
    }
    if (r.withoutDetails() > 0) {
      out.printf(
          "    note      %s had no outcome details (attempts, duration) yet%n",
          plural(r.withoutDetails(), "finished task"));
    }
  }

  private static String plural(long n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  private static String shorten(String message) {
    if (message == null) {
      return "";
    }
    String one = message.strip().replaceAll("\\s*\\n\\s*", " | ");
    return one.length() <= MAX_MESSAGE ? one : one.substring(0, MAX_MESSAGE - 3) + "...";
  }

  /** The last line: what the exit code says. */
  void verdict(List<JobTracker> jobs, boolean timedOut) {
    long ok = jobs.stream().filter(JobTracker::succeeded).count();
    out.println();
    if (ok == jobs.size()) {
      out.printf("All %d Job%s succeeded.%n", jobs.size(), jobs.size() == 1 ? "" : "s");
    } else {
      out.printf(
          "%d of %d Job%s did not succeed%s.%n",
          jobs.size() - ok,
          jobs.size(),
          jobs.size() == 1 ? "" : "s",
          timedOut ? " (timed out)" : "");
    }
  }
}
