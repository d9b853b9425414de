package dev.fanout.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * An immutable set of non-negative task indexes in the interval form Kubernetes writes for Indexed
 * Jobs: sorted, comma-separated, runs as {@code a-b} ({@code "0-3,7,9-12"}).
 *
 * <p>Held as sorted, disjoint, non-adjacent closed intervals, so a set of 100,000 indexes that
 * finished in any order costs a few intervals once they close up, and union is linear in the number
 * of intervals.
 */
public final class IndexSet {

  public static final IndexSet EMPTY = new IndexSet(new int[0]);

  /** Pairs {@code [start0, end0, start1, end1, ...]}, closed, sorted, merged. */
  private final int[] bounds;

  private IndexSet(int[] bounds) {
    this.bounds = bounds;
  }

  /** The indexes {@code from..to}, both included. */
  public static IndexSet range(int from, int to) {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("invalid index range " + from + "-" + to);
    }
    return new IndexSet(new int[] {from, to});
  }

  public static IndexSet of(int... indexes) {
    return ofOwned(indexes.clone());
  }

  /** Builds the set of the given indexes, in any order, duplicates allowed. */
  private static IndexSet ofOwned(int[] indexes) {
    if (indexes.length == 0) {
      return EMPTY;
    }
    Arrays.sort(indexes);
    if (indexes[0] < 0) {
      throw new IllegalArgumentException("negative index " + indexes[0]);
    }
    Builder builder = new Builder(4);
    for (int index : indexes) {
      builder.append(index, index);
    }
    return builder.build();
  }

  public static IndexSet of(java.util.Collection<Integer> indexes) {
    return ofOwned(indexes.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Parses the interval form. {@code null} and {@code ""} are the empty set. Intervals may come in
   * any order and may overlap; the result is normalised. Anything else is rejected with a message
   * that quotes the offending part.
   */
  public static IndexSet parse(String text) {
    if (text == null || text.isEmpty()) {
      return EMPTY;
    }
    String[] parts = text.split(",", -1);
    int[] pairs = new int[parts.length * 2];
    boolean sorted = true;
    int previousEnd = -2;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      int dash = part.indexOf('-');
      int start;
      int end;
      if (dash < 0) {
        start = parseIndex(part, text);
        end = start;
      } else {
        start = parseIndex(part.substring(0, dash), text);
        end = parseIndex(part.substring(dash + 1), text);
        if (end < start) {
          throw new IllegalArgumentException(
              "invalid index set \"" + text + "\": range \"" + part + "\" ends before it starts");
        }
      }
      pairs[2 * i] = start;
      pairs[2 * i + 1] = end;
      if (start <= previousEnd + 1) {
        sorted = false;
      }
      previousEnd = end;
    }
    if (sorted) {
      return new IndexSet(pairs);
    }
    return normalise(pairs);
  }

  private static int parseIndex(String digits, String whole) {
    if (digits.isEmpty() || digits.length() > 10) {
      throw new IllegalArgumentException(
          "invalid index set \"" + whole + "\": \"" + digits + "\" is not an index");
    }
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(
            "invalid index set \"" + whole + "\": \"" + digits + "\" is not an index");
      }
      value = value * 10 + (c - '0');
    }
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "invalid index set \"" + whole + "\": " + digits + " is too large");
    }
    return (int) value;
  }

  private static IndexSet normalise(int[] pairs) {
    int n = pairs.length / 2;
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) {
      packed[i] = ((long) pairs[2 * i] << 32) | (pairs[2 * i + 1] & 0xffffffffL);
    }
    Arrays.sort(packed);
    Builder builder = new Builder(n);
    for (long p : packed) {
      builder.append((int) (p >>> 32), (int) p);
    }
    return builder.build();
  }

  public boolean isEmpty() {
    return bounds.length == 0;
  }

  /** Number of indexes in the set. */
  public int count() {
    long count = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      count += (long) bounds[i + 1] - bounds[i] + 1;
    }
    return (int) Math.min(count, Integer.MAX_VALUE);
  }

  /** Number of intervals, which is what the status size depends on. */
  public int intervalCount() {
    return bounds.length / 2;
  }

  /**
   * The smallest index.
   *
   * @throws java.util.NoSuchElementException when the set is empty
   */
  public int first() {
    if (bounds.length == 0) {
      throw new java.util.NoSuchElementException("the empty index set has no first index");
    }
    return bounds[0];
  }

  public boolean contains(int index) {
    int low = 0;
    int high = bounds.length / 2 - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (bounds[2 * mid + 1] < index) {
        low = mid + 1;
      } else if (bounds[2 * mid] > index) {
        high = mid - 1;
      } else {
        return true;
      }
    }
    return false;
  }

  public IndexSet with(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("negative index " + index);
    }
    // Position of the first interval that starts after index.
    int low = 0;
    int high = bounds.length / 2;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (bounds[2 * mid] <= index) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    int after = low;
    int before = after - 1;
    if (before >= 0 && bounds[2 * before + 1] >= index) {
      return this;
    }
    boolean joinsBefore = before >= 0 && bounds[2 * before + 1] == index - 1;
    boolean joinsAfter = after < bounds.length / 2 && bounds[2 * after] == index + 1;
    int[] next;
    if (joinsBefore && joinsAfter) {
      next = new int[bounds.length - 2];
      System.arraycopy(bounds, 0, next, 0, 2 * before + 1);
      System.arraycopy(bounds, 2 * after + 1, next, 2 * before + 1, bounds.length - 2 * after - 1);
    } else if (joinsBefore) {
      next = bounds.clone();
      next[2 * before + 1] = index;
    } else if (joinsAfter) {
      next = bounds.clone();
      next[2 * after] = index;
    } else {
      next = new int[bounds.length + 2];
      System.arraycopy(bounds, 0, next, 0, 2 * after);
      next[2 * after] = index;
      next[2 * after + 1] = index;
      System.arraycopy(bounds, 2 * after, next, 2 * after + 2, bounds.length - 2 * after);
    }
    return new IndexSet(next);
  }

  public IndexSet union(IndexSet other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    Builder builder = new Builder(intervalCount() + other.intervalCount());
    int i = 0;
    int j = 0;
    while (i < bounds.length || j < other.bounds.length) {
      boolean takeMine =
          j >= other.bounds.length || (i < bounds.length && bounds[i] <= other.bounds[j]);
      if (takeMine) {
        builder.append(bounds[i], bounds[i + 1]);
        i += 2;
      } else {
        builder.append(other.bounds[j], other.bounds[j + 1]);
        j += 2;
      }
    }
    return builder.build();
  }

  /** The indexes of this set that are not in {@code other}. */
  public IndexSet minus(IndexSet other) {
    if (isEmpty() || other.isEmpty()) {
      return this;
    }
    Builder builder = new Builder(intervalCount() + other.intervalCount());
    int j = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      long start = bounds[i];
      int end = bounds[i + 1];
      while (j < other.bounds.length && other.bounds[j + 1] < start) {
        j += 2;
      }
      int k = j;
      while (k < other.bounds.length && other.bounds[k] <= end && start <= end) {
        if (other.bounds[k] > start) {
          builder.append((int) start, other.bounds[k] - 1);
        }
        start = (long) other.bounds[k + 1] + 1;
        k += 2;
      }
      if (start <= end) {
        builder.append((int) start, end);
      }
    }
    return builder.build();
  }

  /** The set {@code 0..total-1} less this one: the indexes not yet in it. */
  public IndexSet complement(int total) {
    return total <= 0 ? EMPTY : range(0, total - 1).minus(this);
  }

  public void forEach(IntConsumer action) {
    for (int i = 0; i < bounds.length; i += 2) {
      for (int index = bounds[i]; index <= bounds[i + 1]; index++) {
        action.accept(index);
        if (index == Integer.MAX_VALUE) {
          break;
        }
      }
    }
  }

  /** The closed intervals, each as {@code int[]{start, end}}. */
  public List<int[]> intervals() {
    List<int[]> result = new ArrayList<>(intervalCount());
    for (int i = 0; i < bounds.length; i += 2) {
      result.add(new int[] {bounds[i], bounds[i + 1]});
    }
    return result;
  }

  /** Writes the interval form; the empty set is {@code ""}. */
  public String format() {
    StringBuilder out = new StringBuilder(bounds.length * 6);
    for (int i = 0; i < bounds.length; i += 2) {
      if (i > 0) {
        out.append(',');
      }
      out.append(bounds[i]);
      if (bounds[i + 1] != bounds[i]) {
        out.append('-').append(bounds[i + 1]);
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return format();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndexSet other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  /** Appends intervals in ascending order of start, merging overlaps and neighbours. */
  private static final class Builder {
    private int[] out;
    private int size;

    Builder(int intervals) {
      out = new int[Math.max(2, intervals * 2)];
    }

    void append(int start, int end) {
      if (size > 0 && (long) start <= (long) out[size - 1] + 1) {
        out[size - 1] = Math.max(out[size - 1], end);
        return;
      }
      if (size == out.length) {
        out = Arrays.copyOf(out, out.length * 2);
      }
      out[size++] = start;
      out[size++] = end;
    }

    IndexSet build() {
      return size == 0 ? EMPTY : new IndexSet(Arrays.copyOf(out, size));
    }
  }
}
