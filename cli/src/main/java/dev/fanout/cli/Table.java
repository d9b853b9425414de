package dev.fanout.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A table as kubectl prints one: upper-case headers, columns left-aligned and three spaces apart,
 * the last column not padded. Rows are held only until {@link #flush}, so a long listing can be
 * printed page by page in constant memory; a column's width only grows from one page to the next.
 */
final class Table {
  static final String GAP = "   ";

  private final List<String> headers;
  private final int[] widths;
  private final List<String[]> rows = new ArrayList<>();
  private boolean headerPrinted;

  Table(String... headers) {
    this.headers = List.of(headers);
    this.widths = new int[headers.length];
    for (int i = 0; i < headers.length; i++) {
      widths[i] = headers[i].length();
    }
  }

  Table row(Object... cells) {
    if (cells.length != widths.length) {
      throw new IllegalArgumentException(
          cells.length + " cells for " + widths.length + " columns " + headers);
    }
    String[] row = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      row[i] = cells[i] == null ? "" : cells[i].toString();
    }
    rows.add(row);
    return this;
  }

  /** Rows added since the last flush. */
  int pending() {
    return rows.size();
  }

  boolean printedAny() {
    return headerPrinted;
  }

  /** Prints the header (the first time) and the rows added since the last flush. */
  void flush(PrintStream out) {
    if (rows.isEmpty()) {
      return;
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    if (!headerPrinted) {
      out.println(line(headers.toArray(String[]::new)));
      headerPrinted = true;
    }
    for (String[] row : rows) {
      out.println(line(row));
    }
    rows.clear();
    out.flush();
  }

  private String line(String[] cells) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      line.append(cells[i]);
      if (i < cells.length - 1) {
        line.append(" ".repeat(widths[i] - cells[i].length())).append(GAP);
      }
    }
    return line.toString().stripTrailing();
  }
}
