package dev.fanout.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The figures as a Markdown table (what docs/benchmarks.md holds) and as JSON. */
final class Report {
  private Report() {}

  static String table(Results r) {
    Machine m = r.machine();
    List<String[]> rows = new ArrayList<>();
    QueueLimit.Result q = r.queue();
    rows.add(
        row(
            "1",
            "send-batch, 10 a call, " + QueueLimit.SEND_THREADS + " threads",
            rate(q.sendBatch(), "msg/s"),
            ""));
    for (Map.Entry<Integer, Double> drain : q.drainByConsumers().entrySet()) {
      rows.add(
          row(
              "1",
              "receive(10) + delete-batch, " + drain.getKey() + " consumers",
              rate(drain.getValue(), "msg/s"),
              ""));
    }
    rows.add(row("1", "**queue limit** (best of the above drains)", rate(q.limit(), "msg/s"), ""));
    rows.add(
        row(
            "1",
            "CPU per message sent, received and deleted (server and clients)",
            String.format("%.2f ms", q.cpuMsPerMessage()),
            ""));
    for (EndToEnd.Run run : r.endToEnd().runs()) {
      boolean widest = run == r.endToEnd().widest();
      rows.add(
          row(
              "2",
              String.format(
                  "%,d noop tasks, %d worker%s, create → Succeeded",
                  run.tasks(), run.workers(), run.workers() == 1 ? "" : "s"),
              String.format(
                  "%.1f s, %s; %.0f%% of the queue's drain rate just before (%s)",
                  run.seconds(),
                  rate(run.tasksPerSecond(), "tasks/s"),
                  100 * run.ofQueueLimit(),
                  rate(run.queueLimitNow(), "msg/s")),
              widest ? target(r, 0) : ""));
    }
    for (EndToEnd.Run run : r.endToEnd().runs()) {
      rows.add(
          row(
              "2",
              String.format(
                  "CPU per task, %d worker%s: operator · workers · queue and API (this JVM)",
                  run.workers(), run.workers() == 1 ? "" : "s"),
              cpu(run.cpuMsPerTask())
                  + String.format(
                      ", %.1f× a message of (1)", run.cpuMsPerTask().total() / q.cpuMsPerMessage()),
              ""));
    }
    FanOut.Result f = r.fanOut();
    rows.add(
        row(
            "3",
            String.format("%,d tasks, create → all sent", f.tasks()),
            String.format("%.1f s, %s", f.seconds(), rate(f.tasksPerSecond(), "tasks/s")),
            ""));
    rows.add(
        row(
            "3",
            "raw send-batch just before · just after · raw JDBC batch insert (H2 file)",
            rate(f.rawSendBatchBefore(), "msg/s")
                + " · "
                + rate(f.rawSendBatchAfter(), "msg/s")
                + " · "
                + rate(f.rawInsert(), "rows/s"),
            ""));
    rows.add(
        row(
            "3",
            "fan-out ÷ raw send-batch (mean of the two) · ÷ raw insert",
            String.format("%.0f%% · %.0f%%", 100 * f.ofRawSend(), 100 * f.ofRawInsert()),
            target(r, 1)));
    rows.add(
        row(
            "3",
            "CPU per task: operator · queue and API (this JVM)",
            String.format(
                "%.2f ms · %.2f ms", f.cpuMsPerTask().operator(), f.cpuMsPerTask().queueAndApi()),
            ""));
    EndToEnd.Run widest = r.endToEnd().widest();
    List<EndToEnd.Run> runs = r.endToEnd().runs();
    String counts =
        String.join(" · ", runs.stream().map(run -> Integer.toString(run.workers())).toList());
    rows.add(
        row(
            "4",
            "status writes per 1,000 tasks in (2), with " + counts + " workers",
            join(runs, run -> String.format("%.1f", run.writesPer1000Tasks())),
            target(r, 2)));
    rows.add(
        row(
            "4",
            "409 conflicts per 1,000 status writes, the same",
            join(runs, run -> String.format("%.0f", run.conflictsPer1000Writes())),
            ""));
    rows.add(
        row(
            "4",
            "receive calls per task, the same",
            join(runs, run -> String.format("%.2f", run.receivesPerTask())),
            ""));
    rows.add(
        row(
            "4",
            String.format(
                "status of the %,d-task Job of (2) with %d workers: largest seen",
                widest.tasks(), widest.workers()),
            bytes(widest.peakStatusBytes()),
            ""));
    StatusCost.RandomOrder random = r.status().randomOrder();
    rows.add(
        row(
            "4",
            String.format(
                "status of a %,d-task Job whose tasks finish in random order: at the end ·"
                    + " largest (replayed)",
                random.tasks()),
            String.format(
                "%s · %s (at %.0f%% done)",
                bytes(random.endStatusBytes()),
                bytes(random.peakStatusBytes()),
                100 * random.peakAtDone()),
            target(r, 3)));
    StatusCost.Run bulk = r.status().run();
    if (bulk != null) {
      rows.add(
          row(
              "4",
              String.format(
                  "the %,d-task Job of (3) run by %d workers: tasks/s · writes per 1,000 tasks ·"
                      + " 409s per 1,000 writes · status at the end · largest",
                  bulk.tasks(), bulk.workers()),
              String.format(
                  "%,.0f · %.1f · %.0f · %s · %s",
                  bulk.tasksPerSecond(),
                  bulk.writesPer1000Tasks(),
                  bulk.conflictsPer1000Writes(),
                  bytes(bulk.statusBytesAtEnd()),
                  bytes(bulk.peakStatusBytes())),
              ""));
    }
    Latency.Result l = r.latency();
    rows.add(
        row(
            "5",
            String.format("1-task Job, create → Succeeded, p50 (p90, max) of %d", l.runs()),
            String.format(
                "%.0f ms (%.0f, %.0f)",
                l.createToSucceededP50Ms(), l.createToSucceededP90Ms(), l.createToSucceededMaxMs()),
            target(r, 4)));
    rows.add(
        row(
            "5",
            "task end → its index in the status, p50 (max)",
            String.format("%.0f ms (%.0f)", l.finishToVisibleP50Ms(), l.finishToVisibleMaxMs()),
            ""));
    rows.add(
        row(
            "6",
            "operator during (3): peak heap · heap after GC · peak RSS",
            memory(f.operatorMemory()),
            target(r, 5)));
    rows.add(
        row(
            "6",
            "busiest worker during (2): peak heap · heap after GC · peak RSS",
            memory(r.endToEnd().workerMemory()),
            ""));
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "Machine: %d cores (%s), %,d MiB, %s, %s; load average %s at the start, %s at the"
                + " end; %s; the run took %.0f s.%n%n",
            m.cores(),
            m.cpu(),
            m.memoryMiB(),
            m.os(),
            m.java(),
            m.loadAverageAtStart(),
            m.loadAverageAtEnd(),
            m.date(),
            r.seconds()));
    out.append("Settings: ").append(r.settings()).append(".\n\n");
    out.append("| | measure | figure | target |\n|---|---|---|---|\n");
    for (String[] cells : rows) {
      out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    return out.toString();
  }

  private static String target(Results r, int i) {
    Results.Target t = r.targets().get(i);
    return t.goal() + ": " + (t.met() ? "met" : "**missed**");
  }

  private static String[] row(String section, String measure, String figure, String target) {
    return new String[] {section, measure, figure, target};
  }

  private static String rate(double value, String unit) {
    return String.format("%,.0f %s", value, unit);
  }

  static String bytes(long bytes) {
    return bytes < 10 * 1024
        ? String.format("%,d B", bytes)
        : String.format("%,.1f KiB", bytes / 1024.0);
  }

  private static String join(List<EndToEnd.Run> runs, Function<EndToEnd.Run, String> figure) {
    return String.join(" · ", runs.stream().map(figure).toList());
  }

  private static String cpu(CpuTime.PerTask cpu) {
    return String.format(
        "%.2f ms · %.2f ms · %.2f ms (%.2f ms in all)",
        cpu.operator(), cpu.workers(), cpu.queueAndApi(), cpu.total());
  }

  private static String memory(MemoryWatch.Figures m) {
    return mib(m.peakHeap()) + " · " + mib(m.heapAfterGc()) + " · " + mib(m.peakRss());
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format("%,d MiB", bytes / Results.MIB);
  }

  static void write(Results r, Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(dir.resolve("benchmarks.json"), mapper.writeValueAsString(r) + "\n");
    Files.writeString(dir.resolve("benchmarks.md"), table(r));
  }
}
