package dev.fanout.operator.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When a Deployment's replica count changes, given what the demand calls for over time: up at once;
 * down only to the highest count called for during the last scale-down delay (the Horizontal Pod
 * Autoscaler's stabilization window), so a dip between two Jobs does not stop workers. One per
 * Deployment, fed once a pass; not thread-safe.
 */
public final class ScaleDown {
  private record Sample(Instant at, int desired) {}

  private final Deque<Sample> window = new ArrayDeque<>();
  private Instant since;

  /**
   * @return the replica count to set now; {@code current} to leave it as it is
   */
  public int next(int current, int desired, Duration delay, Instant now) {
    if (since == null) {
      since = now;
    }
    window.addLast(new Sample(now, desired));
    while (window.peekFirst().at().isBefore(now.minus(delay))) {
      window.removeFirst();
    }
    if (desired >= current) {
      return desired;
    }
    if (now.isBefore(since.plus(delay))) {
      // Watched for less than the delay: what was called for before is unknown.
      return current;
    }
    int highest = window.stream().mapToInt(Sample::desired).max().orElse(desired);
    return Math.min(current, highest);
  }
}
