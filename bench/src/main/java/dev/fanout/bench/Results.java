package dev.fanout.bench;

import java.util.List;

/** Every figure of one run, with the machine and the targets checked against them. */
record Results(
    Machine machine,
    String settings,
    double seconds,
    QueueLimit.Result queue,
    EndToEnd.Result endToEnd,
    FanOut.Result fanOut,
    StatusCost.Result status,
    Latency.Result latency,
    List<Target> targets) {

  static final long MIB = 1024 * 1024;

  /** One target of the issue, what was measured for it, and whether it was met. */
  record Target(String target, String goal, String measured, boolean met) {}

  static List<Target> targets(
      EndToEnd.Result e2e, FanOut.Result fanOut, StatusCost.Result status, Latency.Result latency) {
    EndToEnd.Run widest = e2e.widest();
    StatusCost.Run full = status.run();
    double writes =
        Math.max(widest.writesPer1000Tasks(), full == null ? 0 : full.writesPer1000Tasks());
    int statusBytes =
        Math.max(status.randomOrder().endStatusBytes(), full == null ? 0 : full.statusBytesAtEnd());
    long heap = fanOut.operatorMemory().heapAfterGc();
    return List.of(
        new Target(
            "end to end with " + widest.workers() + " workers >= 50% of the queue limit",
            "≥ 50% of the queue limit",
            String.format("%.0f%%", 100 * widest.ofQueueLimit()),
            widest.ofQueueLimit() >= 0.5),
        new Target(
            "fan-out >= 50% of the raw send-batch rate",
            "≥ 50% of send-batch",
            String.format("%.0f%%", 100 * fanOut.ofRawSend()),
            fanOut.ofRawSend() >= 0.5),
        new Target(
            "< 20 status writes per 1,000 tasks under load",
            "< 20",
            String.format("%.1f", writes),
            writes < 20),
        new Target(
            "status < 64 KiB at the end of a "
                + String.format("%,d", status.randomOrder().tasks())
                + "-task Job whose tasks finished in random order",
            "< 64 KiB",
            String.format("%,d bytes", statusBytes),
            statusBytes < 64 * 1024),
        new Target(
            "1-task latency < 1 s on an idle system",
            "p50 < 1 s",
            String.format("p50 %.0f ms", latency.createToSucceededP50Ms()),
            latency.createToSucceededP50Ms() < 1000),
        new Target(
            "operator heap < 256 MiB during the "
                + String.format("%,d", fanOut.tasks())
                + "-task fan-out (in use after a collection: what it needs; the peak in use"
                + " follows the JVM's maximum heap)",
            "heap after GC < 256 MiB",
            String.format("%d MiB at most", heap / MIB),
            heap >= 0 && heap < 256 * MIB));
  }
}
