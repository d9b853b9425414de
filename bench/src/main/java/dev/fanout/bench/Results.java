package dev.fanout.bench;

import java.util.ArrayList;
import java.util.List;

/** Every figure of one run, with the machine and the issues' targets checked against them. */
record Results(
    Machine machine,
    String settings,
    double seconds,
    QueueLimit.Result queue,
    EndToEnd.Result endToEnd,
    FanOut.Result fanOut,
    StatusCost.Result status,
    Latency.Result latency,
    ExecCost.Result exec,
    Peer.Result peer,
    List<Target> targets) {

  static final long MIB = 1024 * 1024;

  /** The peer's end-to-end and retry runs use this many workers; Fanout's are compared at it. */
  static final int PEER_WORKERS = 4;

  /** Its concurrency per worker. */
  static final int PEER_CONCURRENCY = 8;

  /** Fanout's end to end with automatic packing, at least this many times the peer's. */
  static final double E2E_VS_PEER = 2.0;

  static final double LATENCY_P50_MS = 100;

  /**
   * One target of the issues, what was measured for it, and whether it was met; {@code met} is null
   * when it was not measured (the peer did not run) or is a figure to report, not to meet.
   */
  record Target(String key, String target, String goal, String measured, Boolean met) {
    String verdict() {
      if (met == null) {
        return measured == null ? "not measured" : "reported";
      }
      return met ? "met" : "**missed**";
    }
  }

  /** The target of that key. */
  Target target(String key) {
    return targets.stream()
        .filter(t -> t.key().equals(key))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no target " + key));
  }

  static List<Target> targets(
      EndToEnd.Result e2e,
      FanOut.Result fanOut,
      StatusCost.Result status,
      Latency.Result latency,
      ExecCost.Result exec,
      Peer.Result peer) {
    List<Target> targets = new ArrayList<>();
    EndToEnd.Run packed = e2e.withWorkers(null, PEER_WORKERS);
    EndToEnd.Run retry = e2e.retryOnce();
    Peer.Figures p = peer.figures();
    targets.add(
        vsPeer(
            "e2e-vs-peer",
            String.format(
                "end to end, %,d noop tasks, %d workers, automatic packing, ≥ %.0f× %s's end to end"
                    + " (%d workers × %d)",
                packed.tasks(),
                packed.workers(),
                E2E_VS_PEER,
                peer.name(),
                PEER_WORKERS,
                PEER_CONCURRENCY),
            E2E_VS_PEER,
            packed.tasksPerSecond(),
            p == null ? 0 : p.e2ePerSecond(),
            peer));
    EndToEnd.Run one = e2e.widest(1);
    targets.add(
        new Target(
            "e2e-queue",
            "end to end with "
                + one.workers()
                + " workers, tasksPerMessage 1, ≥ 50% of the queue's drain rate",
            "≥ 50% of the queue limit",
            String.format("%.0f%%", 100 * one.ofQueueLimit()),
            one.ofQueueLimit() >= 0.5));
    EndToEnd.Run fewest = e2e.narrowest(1);
    targets.add(
        new Target(
            "e2e-scaling",
            String.format(
                "tasksPerMessage 1: %d workers at least as fast as %d",
                one.workers(), fewest.workers()),
            String.format("%d workers ≥ %d", one.workers(), fewest.workers()),
            one == fewest
                ? null
                : String.format("%.2f×", one.tasksPerSecond() / fewest.tasksPerSecond()),
            one == fewest ? null : one.tasksPerSecond() >= fewest.tasksPerSecond()));
    targets.add(
        vsPeer(
            "retry-vs-peer",
            String.format(
                "every task failing once then retried (backoff 0), %d workers, automatic packing,"
                    + " ≥ %s's retry-once rate",
                retry.workers(), peer.name()),
            1.0,
            retry.tasksPerSecond(),
            p == null ? 0 : p.retryOnceE2ePerSecond(),
            peer));
    targets.add(
        new Target(
            "fanout",
            "fan-out >= 50% of the raw send-batch rate",
            "≥ 50% of send-batch",
            String.format("%.0f%%", 100 * fanOut.ofRawSend()),
            fanOut.ofRawSend() >= 0.5));
    double writesOne = one.writesPer1000Tasks();
    targets.add(
        new Target(
            "writes-one",
            "< 20 status writes per 1,000 tasks under load, tasksPerMessage 1",
            "< 20",
            String.format("%.1f", writesOne),
            writesOne < 20));
    StatusCost.Run full = status.run();
    double writesPacked =
        Math.max(
            e2e.runs(null).stream().mapToDouble(EndToEnd.Run::writesPer1000Tasks).max().orElse(0),
            full == null ? 0 : full.writesPer1000Tasks());
    targets.add(
        new Target(
            "writes-packed",
            "< 5 status writes per 1,000 tasks with automatic packing (the most of its runs)",
            "< 5",
            String.format("%.1f", writesPacked),
            writesPacked < 5));
    int endBytes =
        Math.max(status.randomOrder().endStatusBytes(), full == null ? 0 : full.statusBytesAtEnd());
    targets.add(
        new Target(
            "status-end",
            "status < 64 KiB at the end of a "
                + String.format("%,d", status.randomOrder().tasks())
                + "-task Job whose tasks finished in random order",
            "< 64 KiB",
            String.format("%,d bytes", endBytes),
            endBytes < 64 * 1024));
    int packedBytes =
        Math.max(status.packedOrder().peakStatusBytes(), full == null ? 0 : full.peakStatusBytes());
    targets.add(
        new Target(
            "status-packed",
            String.format(
                "status < 64 KiB all the way through a %,d-task Job with packing (runs of %d"
                    + " consecutive tasks finishing in random order)",
                status.packedOrder().tasks(), status.packedOrder().run()),
            "largest < 64 KiB",
            String.format("%,d bytes at most", packedBytes),
            packedBytes < 64 * 1024));
    targets.add(
        new Target(
            "latency",
            String.format("1-task Job, create → Succeeded, p50 < %.0f ms", LATENCY_P50_MS),
            String.format("p50 < %.0f ms", LATENCY_P50_MS),
            String.format("p50 %.0f ms", latency.createToSucceededP50Ms()),
            latency.createToSucceededP50Ms() < LATENCY_P50_MS));
    targets.add(
        new Target(
            "exec",
            "exec of true: tasks/s per worker (a process per task is the floor)",
            "reported",
            String.format(
                "%,.0f tasks/s, %.2f ms of CPU per task",
                exec.tasksPerSecondPerWorker(), exec.cpuMsPerTask().total()),
            null));
    long heap = fanOut.operatorMemory().heapAfterGc();
    targets.add(
        new Target(
            "heap",
            "operator heap < 256 MiB during the "
                + String.format("%,d", fanOut.tasks())
                + "-task fan-out (in use after a collection: what it needs; the peak in use"
                + " follows the JVM's maximum heap)",
            "heap after GC < 256 MiB",
            String.format("%d MiB at most", heap / MIB),
            heap >= 0 && heap < 256 * MIB));
    return List.copyOf(targets);
  }

  /** Fanout's rate at least {@code times} the peer's; not measured when the peer did not run. */
  private static Target vsPeer(
      String key, String target, double times, double fanout, double peerRate, Peer.Result peer) {
    String goal = times == 1 ? "≥ " + peer.name() : String.format("≥ %.0f× %s", times, peer.name());
    if (!peer.ran()) {
      return new Target(key, target, goal, null, null);
    }
    double ratio = fanout / peerRate;
    return new Target(key, target, goal, String.format("%.2f×", ratio), ratio >= times);
  }
}
