package dev.fanout.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The table of Fanout next to the peer measured in the same run (8): the same work, the ratio, and
 * the target each ratio is held to. Says so when the peer was not run or failed.
 */
final class SideBySide {
  private SideBySide() {}

  static String table(Results r) {
    Peer.Result peer = r.peer();
    Peer.Figures p = peer.figures();
    String name = p != null ? p.peer() : peer.name();
    StringBuilder out = new StringBuilder();
    out.append("Side by side with ").append(name).append(" (8): ");
    if (p == null) {
      out.append(name).append(' ').append(escape(peer.detail())).append(".\n\n");
    } else {
      out.append(
          String.format(
              "%s on Redis, %,d jobs, %d workers × concurrency %d in one Node process, run while"
                  + " every Fanout process was idle (%.0f s, installs included).%n%n",
              p.peer(), p.tasks(), p.workers(), p.concurrency(), peer.seconds()));
    }
    out.append("| measure | Fanout | ")
        .append(name)
        .append(" | Fanout ÷ ")
        .append(name)
        .append(" | target |\n|---|---|---|---|---|\n");
    for (String[] cells : rows(r, p)) {
      out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    return out.toString();
  }

  static List<String[]> rows(Results r, Peer.Figures p) {
    EndToEnd.Result e2e = r.endToEnd();
    EndToEnd.Run packed = e2e.withWorkers(null, Results.PEER_WORKERS);
    EndToEnd.Run retry = e2e.retryOnce();
    Latency.Result latency = r.latency();
    FanOut.Result fanOut = r.fanOut();
    String missing = r.peer().status();
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          String.format(
              "end to end, %,d no-op tasks, create → Succeeded (Fanout: %s, automatic packing;"
                  + " peer: first add → last completion)",
              packed.tasks(), Report.workers(packed.workers())),
          Report.rate(packed.tasksPerSecond(), "tasks/s"),
          p == null ? missing : Report.rate(p.e2ePerSecond(), "jobs/s"),
          p == null ? "–" : ratio(packed.tasksPerSecond() / p.e2ePerSecond()),
          Report.target(r, "e2e-vs-peer")
        });
    rows.add(
        new String[] {
          String.format(
              "every task failing once, retried with no backoff (Fanout: %s, automatic packing)",
              Report.workers(retry.workers())),
          Report.rate(retry.tasksPerSecond(), "tasks/s"),
          p == null ? missing : Report.rate(p.retryOnceE2ePerSecond(), "jobs/s"),
          p == null ? "–" : ratio(retry.tasksPerSecond() / p.retryOnceE2ePerSecond()),
          Report.target(r, "retry-vs-peer")
        });
    rows.add(
        new String[] {
          "1-task latency, p50 (Fanout: create → Succeeded; peer: add → finished; lower is"
              + " better)",
          String.format("%.0f ms", latency.createToSucceededP50Ms()),
          p == null ? missing : String.format("%.1f ms", p.latencyP50Ms()),
          p == null ? "–" : ratio(latency.createToSucceededP50Ms() / p.latencyP50Ms()),
          Report.target(r, "latency") + " (Fanout's own)"
        });
    rows.add(
        new String[] {
          String.format(
              "queueing the tasks (Fanout: the fan-out of (3), %,d tasks; peer: addBulk, 1,000 a"
                  + " call)",
              fanOut.tasks()),
          Report.rate(fanOut.tasksPerSecond(), "tasks/s"),
          p == null ? missing : Report.rate(p.addPerSecond(), "jobs/s"),
          p == null ? "–" : ratio(fanOut.tasksPerSecond() / p.addPerSecond()),
          ""
        });
    return rows;
  }

  private static String ratio(double ratio) {
    return String.format("%.2f×", ratio);
  }

  /** A peer's message in a table cell. */
  static String escape(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
