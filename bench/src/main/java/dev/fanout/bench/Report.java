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
    EndToEnd.Result e2e = r.endToEnd();
    for (EndToEnd.Run run : e2e.runs()) {
      String target = "";
      if (run == e2e.widest(1)) {
        target = target(r, "e2e-queue");
      } else if (run == e2e.withWorkers(null, Results.PEER_WORKERS)) {
        target = target(r, "e2e-vs-peer") + " (side by side below)";
      }
      rows.add(
          row(
              "2",
              String.format(
                  "%,d noop tasks, %s, %s, create → Succeeded",
                  run.tasks(), workers(run.workers()), run.packing()),
              String.format(
                  "%.1f s, %s; %.0f%% of the queue's drain rate just before (%s)",
                  run.seconds(),
                  rate(run.tasksPerSecond(), "tasks/s"),
                  100 * run.ofQueueLimit(),
                  rate(run.queueLimitNow(), "msg/s")),
              target));
    }
    EndToEnd.Run one = e2e.widest(1);
    EndToEnd.Run fewest = e2e.narrowest(1);
    if (one != fewest) {
      rows.add(
          row(
              "2",
              String.format(
                  "tasksPerMessage 1: %s ÷ %s", workers(one.workers()), workers(fewest.workers())),
              String.format("%.2f×", one.tasksPerSecond() / fewest.tasksPerSecond()),
              target(r, "e2e-scaling")));
    }
    EndToEnd.Run retry = e2e.retryOnce();
    rows.add(
        row(
            "2",
            String.format(
                "retry once: %,d fail tasks (failAttempts 1, backoff 0), %s, automatic packing,"
                    + " create → Succeeded",
                retry.tasks(), workers(retry.workers())),
            String.format(
                "%.1f s, %s; %.2f attempts per task",
                retry.seconds(), rate(retry.tasksPerSecond(), "tasks/s"), retry.attemptsPerTask()),
            target(r, "retry-vs-peer") + " (side by side below)"));
    for (EndToEnd.Run run : e2e.runs()) {
      rows.add(
          row(
              "2",
              String.format(
                  "CPU per task, %s, %s: operator · workers · queue and API (this JVM)",
                  workers(run.workers()), run.packing()),
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
            target(r, "fanout")));
    rows.add(
        row(
            "3",
            "CPU per task: operator · queue and API (this JVM)",
            String.format(
                "%.2f ms · %.2f ms", f.cpuMsPerTask().operator(), f.cpuMsPerTask().queueAndApi()),
            ""));
    String counts =
        String.join(
            " · ", e2e.runs(1).stream().map(run -> Integer.toString(run.workers())).toList());
    for (Integer packing : EndToEnd.PACKINGS) {
      EndToEnd.Run widest = e2e.widest(packing);
      rows.add(
          row(
              "4",
              String.format(
                  "status writes per 1,000 tasks in (2), %s, with %s workers",
                  widest.packing(), counts),
              join(e2e.runs(packing), run -> String.format("%.1f", run.writesPer1000Tasks())),
              target(r, packing == null ? "writes-packed" : "writes-one")));
    }
    for (Integer packing : EndToEnd.PACKINGS) {
      rows.add(
          row(
              "4",
              "409 conflicts per 1,000 status writes; receive calls per task; the same, "
                  + e2e.widest(packing).packing(),
              join(e2e.runs(packing), run -> String.format("%.0f", run.conflictsPer1000Writes()))
                  + "; "
                  + join(e2e.runs(packing), run -> String.format("%.2f", run.receivesPerTask())),
              ""));
    }
    for (Integer packing : EndToEnd.PACKINGS) {
      EndToEnd.Run widest = e2e.widest(packing);
      rows.add(
          row(
              "4",
              String.format(
                  "status of the %,d-task Job of (2) with %s, %s: largest seen",
                  widest.tasks(), workers(widest.workers()), widest.packing()),
              bytes(widest.peakStatusBytes()),
              ""));
    }
    StatusCost.RandomOrder random = r.status().randomOrder();
    rows.add(
        row(
            "4",
            String.format(
                "status of a %,d-task Job whose tasks finish one at a time in random order"
                    + " (tasksPerMessage 1's worst case): at the end · largest (replayed)",
                random.tasks()),
            replay(random),
            target(r, "status-end")));
    StatusCost.RandomOrder packed = r.status().packedOrder();
    rows.add(
        row(
            "4",
            String.format(
                "the same, in runs of %d consecutive tasks finishing in random order (packed"
                    + " messages): at the end · largest (replayed)",
                packed.run()),
            replay(packed),
            target(r, "status-packed")));
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
            target(r, "latency")));
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
            target(r, "heap")));
    rows.add(
        row(
            "6",
            "busiest worker during (2): peak heap · heap after GC · peak RSS",
            memory(r.endToEnd().workerMemory()),
            ""));
    ExecCost.Result x = r.exec();
    rows.add(
        row(
            "7",
            String.format("exec of `true`, %,d tasks, 1 worker, create → Succeeded", x.tasks()),
            String.format(
                "%.1f s, %s per worker; %.0f%% of 1 worker's noop rate in (2)",
                x.seconds(),
                rate(x.tasksPerSecondPerWorker(), "tasks/s"),
                100 * x.tasksPerSecondPerWorker() / e2e.narrowest(null).tasksPerSecond()),
            r.target("exec").verdict()));
    rows.add(
        row(
            "7",
            "CPU per exec task: worker · its commands (process start included) · operator ·"
                + " queue and API",
            String.format(
                "%.2f ms · %.2f ms · %.2f ms · %.2f ms (%.2f ms in all)",
                x.cpuMsPerTask().workers(),
                x.cpuMsPerTask().commands(),
                x.cpuMsPerTask().operator(),
                x.cpuMsPerTask().queueAndApi(),
                x.cpuMsPerTask().total()),
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
    out.append("\n").append(SideBySide.table(r));
    return out.toString();
  }

  static String target(Results r, String key) {
    Results.Target t = r.target(key);
    return t.goal() + ": " + t.verdict();
  }

  static String workers(int n) {
    return n + (n == 1 ? " worker" : " workers");
  }

  private static String replay(StatusCost.RandomOrder replay) {
    return String.format(
        "%s · %s (at %.0f%% done)",
        bytes(replay.endStatusBytes()), bytes(replay.peakStatusBytes()), 100 * replay.peakAtDone());
  }

  private static String[] row(String section, String measure, String figure, String target) {
    return new String[] {section, measure, figure, target};
  }

  static String rate(double value, String unit) {
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
