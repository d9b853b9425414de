package dev.fanout.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the CSV of {@code --autoscale-trace} as an SVG: runnable tasks (left axis) and worker
 * processes (right axis) over time. {@code java -cp sandbox/target/fanout-sandbox.jar
 * dev.fanout.sandbox.TraceSvg trace.csv docs/img/autoscaling.svg [title]}.
 */
public final class TraceSvg {
  private static final int W = 720;
  private static final int H = 360;
  private static final int LEFT = 70;
  private static final int RIGHT = 60;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  private TraceSvg() {}

  /** One row of the trace: seconds, runnable tasks, worker processes. */
  record Point(double seconds, long runnable, long workers) {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: TraceSvg TRACE.csv OUT.svg [title]");
      System.exit(2);
    }
    try {
      List<Point> points = read(Files.readAllLines(Path.of(args[0])), args[0]);
      String title = args.length > 2 ? args[2] : "fanout run --autoscale";
      Files.writeString(Path.of(args[1]), svg(points, title));
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("TraceSvg: " + e.getMessage());
      System.exit(1);
    }
  }

  /** The rows of the CSV; a header that is not the trace's, or a bad row, names the problem. */
  static List<Point> read(List<String> lines, String file) {
    if (lines.isEmpty() || !lines.get(0).equals(AutoscaleTrace.HEADER)) {
      throw new IllegalArgumentException(
          file
              + ": not an --autoscale-trace file (its first line must be "
              + AutoscaleTrace.HEADER
              + ")");
    }
    List<Point> points = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      try {
        points.add(
            new Point(
                Double.parseDouble(f[0]), Math.max(0, Long.parseLong(f[1])), Long.parseLong(f[6])));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": not 7 numbers: \"" + lines.get(i) + "\"", e);
      }
    }
    if (points.isEmpty()) {
      throw new IllegalArgumentException(file + ": no rows after the header");
    }
    return points;
  }

  static String svg(List<Point> points, String title) {
    double t0 = points.get(0).seconds();
    double t1 = Math.max(t0 + 1, points.get(points.size() - 1).seconds());
    long maxTasks = niceCeiling(points.stream().mapToLong(Point::runnable).max().orElse(1));
    // One more than the most workers, so that their line does not hide the tasks' at the top.
    long maxWorkers = 1 + points.stream().mapToLong(Point::workers).max().orElse(0);
    double pw = W - LEFT - RIGHT;
    double ph = H - TOP - BOTTOM;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n",
            W,
            H,
            W,
            H));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(text(W / 2.0, 22, "middle", "#000", title));
    // axes
    s.append(line(LEFT, TOP, LEFT, TOP + ph, "#000"));
    s.append(line(LEFT, TOP + ph, LEFT + pw, TOP + ph, "#000"));
    s.append(line(LEFT + pw, TOP, LEFT + pw, TOP + ph, "#000"));
    for (int i = 0; i <= 4; i++) {
      double y = TOP + ph - ph * i / 4;
      s.append(line(LEFT, y, LEFT + pw, y, "#ddd"));
      s.append(text(LEFT - 6, y + 4, "end", "#1f77b4", String.valueOf(maxTasks * i / 4)));
    }
    for (long w = 0; w <= maxWorkers; w++) {
      double y = TOP + ph - ph * w / maxWorkers;
      s.append(text(LEFT + pw + 6, y + 4, "start", "#d62728", String.valueOf(w)));
    }
    double step = niceCeiling((long) Math.ceil((t1 - t0) / 8));
    for (double t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      double x = LEFT + pw * (t - t0) / (t1 - t0);
      s.append(text(x, TOP + ph + 16, "middle", "#000", String.format(Locale.ROOT, "%.0f", t)));
    }
    s.append(text(LEFT + pw / 2, H - 12, "middle", "#000", "seconds since the run started"));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"16\" y=\"%.1f\" fill=\"#1f77b4\" text-anchor=\"middle\""
                + " transform=\"rotate(-90 16 %.1f)\">runnable tasks</text>%n",
            TOP + ph / 2,
            TOP + ph / 2));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%.1f\" fill=\"#d62728\" text-anchor=\"middle\""
                + " transform=\"rotate(90 %d %.1f)\">worker processes</text>%n",
            W - 16,
            TOP + ph / 2,
            W - 16,
            TOP + ph / 2));
    StringBuilder tasks = new StringBuilder();
    StringBuilder workers = new StringBuilder();
    double lastWorkersY = Double.NaN;
    for (Point p : points) {
      double x = LEFT + pw * (p.seconds() - t0) / (t1 - t0);
      tasks.append(
          String.format(Locale.ROOT, "%.1f,%.1f ", x, TOP + ph - ph * p.runnable() / maxTasks));
      double y = TOP + ph - ph * p.workers() / maxWorkers;
      if (!Double.isNaN(lastWorkersY)) {
        workers.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, lastWorkersY));
      }
      workers.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      lastWorkersY = y;
    }
    s.append(polyline(tasks, "#1f77b4"));
    s.append(polyline(workers, "#d62728"));
    s.append("</svg>\n");
    return s.toString();
  }

  /** 1, 2 or 5 times a power of ten, at least {@code n}. */
  static long niceCeiling(long n) {
    long p = 1;
    while (true) {
      for (long m : new long[] {1, 2, 5}) {
        if (m * p >= Math.max(1, n)) {
          return m * p;
        }
      }
      p *= 10;
    }
  }

  private static String line(double x1, double y1, double x2, double y2, String color) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
        x1,
        y1,
        x2,
        y2,
        color);
  }

  private static String text(double x, double y, String anchor, String color, String text) {
    return String.format(
        Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n",
        x,
        y,
        anchor,
        color,
        text.replace("&", "&amp;").replace("<", "&lt;"));
  }

  private static String polyline(StringBuilder points, String color) {
    return "<polyline fill=\"none\" stroke=\""
        + color
        + "\" stroke-width=\"2\" points=\""
        + points.toString().strip()
        + "\"/>\n";
  }
}
