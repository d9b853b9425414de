package dev.fanout.common.queue;

import java.util.regex.Pattern;

/**
 * Queue names: {@code <prefix><pool>} for a pool's tasks, {@code <prefix><pool>-dlq} for its dead
 * letters, and {@code <prefix>outcomes} for what workers report to the operator.
 */
public record QueueNames(String prefix) {
  public static final String DEFAULT_PREFIX = "fanout-";
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{0,40}");

  public QueueNames {
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "queue prefix must be at most 40 letters, digits, '-' or '_', was \"" + prefix + "\"");
    }
  }

  public String tasks(String pool) {
    return prefix + pool;
  }

  public String deadLetters(String pool) {
    return prefix + pool + "-dlq";
  }

  public String outcomes() {
    return prefix + "outcomes";
  }
}
