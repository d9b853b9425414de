package dev.fanout.bench;

/** A {@code /metrics} answer in the Prometheus text format, read for the few sums we need. */
record MetricsText(String text) {

  /** The sum of every sample of {@code name} whose labels contain {@code labelPart} (or any). */
  double sum(String name, String labelPart) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      int end = brace >= 0 && brace < space ? brace : line.indexOf(' ');
      if (!line.substring(0, end).equals(name)) {
        continue;
      }
      String labels = brace >= 0 && brace < space ? line.substring(brace, line.indexOf('}')) : "";
      if (labelPart != null && !labels.contains(labelPart)) {
        continue;
      }
      sum += Double.parseDouble(line.substring(space + 1).trim());
    }
    return sum;
  }

  double sum(String name) {
    return sum(name, null);
  }

  /** Heap in use now, all heap pools together. */
  long heapUsedBytes() {
    return (long) sum("jvm_memory_used_bytes", "area=\"heap\"");
  }
}
