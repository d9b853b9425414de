package dev.fanout.kube;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counters from a Prometheus text exposition (the API server's {@code /metrics}): each sample with
 * its labels, so that two snapshots can be subtracted and summed by label.
 */
record ApiServerMetrics(List<Sample> samples) {
  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One sample: metric name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  static ApiServerMetrics parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      samples.add(new Sample(m.group(1), Map.copyOf(labels), parseValue(m.group(3))));
    }
    return new ApiServerMetrics(List.copyOf(samples));
  }

  private static double parseValue(String value) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }

  /** Counter increases since {@code before} (samples absent then count from zero). */
  ApiServerMetrics since(ApiServerMetrics before) {
    Map<String, Double> old = new LinkedHashMap<>();
    before.samples.forEach(s -> old.put(key(s), s.value()));
    return new ApiServerMetrics(
        samples.stream()
            .map(s -> new Sample(s.name(), s.labels(), s.value() - old.getOrDefault(key(s), 0.0)))
            .toList());
  }

  /** The sum of the samples of {@code name} that match, rounded (for counters). */
  long sum(String name, Predicate<Sample> filter) {
    return Math.round(total(name, filter));
  }

  /** The sum of the samples of {@code name} that match (for a histogram's _sum, in seconds). */
  double total(String name, Predicate<Sample> filter) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && filter.test(s))
        .mapToDouble(Sample::value)
        .sum();
  }

  /** Sums of the matching samples of {@code name}, by the value of {@code label}. */
  Map<String, Long> sumBy(String name, Predicate<Sample> filter, String... labels) {
    Map<String, Long> sums = new TreeMap<>();
    samples.stream()
        .filter(s -> s.name().equals(name) && filter.test(s))
        .forEach(
            s -> {
              List<String> values = new ArrayList<>();
              for (String label : labels) {
                values.add(s.label(label));
              }
              sums.merge(String.join(" ", values), Math.round(s.value()), Long::sum);
            });
    sums.values().removeIf(v -> v == 0);
    return sums;
  }

  private static String key(Sample s) {
    return s.name() + new TreeMap<>(s.labels());
  }
}
