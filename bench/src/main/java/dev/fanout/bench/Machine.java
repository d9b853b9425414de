package dev.fanout.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** What the figures were measured on, and how busy it was: they mean little without it. */
record Machine(
    String date,
    int cores,
    String cpu,
    long memoryMiB,
    String os,
    String java,
    String loadAverageAtStart,
    String loadAverageAtEnd) {

  static Machine now(String loadAverageAtStart) {
    return new Machine(
        Instant.now().toString(),
        Runtime.getRuntime().availableProcessors(),
        readCpu(),
        readMemoryMiB(),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        loadAverageAtStart,
        loadAverage());
  }

  /** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String readCpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return System.getProperty("os.arch");
    }
  }

  private static long readMemoryMiB() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal:"))
              .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
              .findFirst()
              .orElse(0)
          / 1024;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
