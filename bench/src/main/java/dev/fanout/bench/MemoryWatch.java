package dev.fanout.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The memory of some processes over a stretch of the benchmark: the heap in use, read from each
 * JVM's {@code /metrics} every second and from its GC log (the heap before each collection is the
 * peak since the last); the heap left after collecting; and the resident set's high-water mark.
 */
final class MemoryWatch {
  private static final long PERIOD_MILLIS = 1000;

  /** One process's figures, in bytes; -1 where not known. */
  record Figures(long peakHeap, long heapAfterGc, long peakRss, int collections) {
    static Figures max(Collection<Figures> all) {
      return new Figures(
          all.stream().mapToLong(Figures::peakHeap).max().orElse(-1),
          all.stream().mapToLong(Figures::heapAfterGc).max().orElse(-1),
          all.stream().mapToLong(Figures::peakRss).max().orElse(-1),
          all.stream().mapToInt(Figures::collections).max().orElse(0));
    }
  }

  private final List<Rig.Node> nodes;
  private final Map<String, Integer> gcMarks = new LinkedHashMap<>();
  private final Map<String, Long> sampled = new ConcurrentHashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;

  /**
   * Starts watching.
   *
   * @param freshRssPeak start the resident-set peak from now rather than from the process's start
   */
  MemoryWatch(List<Rig.Node> nodes, boolean freshRssPeak) {
    this.nodes = List.copyOf(nodes);
    for (Rig.Node node : this.nodes) {
      gcMarks.put(node.process().name(), node.gc().mark());
      if (freshRssPeak) {
        node.resetPeakRss();
      }
    }
    sampler = Thread.ofPlatform().daemon().name("memory-watch").start(this::sample);
  }

  private void sample() {
    while (running) {
      for (Rig.Node node : nodes) {
        try {
          sampled.merge(node.process().name(), node.metrics().heapUsedBytes(), Math::max);
        } catch (RuntimeException e) {
          // A busy process may miss one scrape; the GC log still has its peaks.
        }
      }
      try {
        Thread.sleep(PERIOD_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops watching; the figures per process name. */
  Map<String, Figures> stop() throws InterruptedException {
    running = false;
    sampler.interrupt();
    sampler.join();
    Map<String, Figures> figures = new LinkedHashMap<>();
    for (Rig.Node node : nodes) {
      String name = node.process().name();
      GcLog.Peaks gc = node.gc().since(gcMarks.get(name));
      long heap = Math.max(sampled.getOrDefault(name, -1L), gc.beforeGc());
      figures.put(
          name,
          new Figures(
              heap,
              gc.collections() == 0 ? -1 : gc.afterGc(),
              node.peakRssBytes(),
              gc.collections()));
    }
    return figures;
  }
}
