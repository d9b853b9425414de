package dev.fanout.operator.scale;

import java.time.Duration;
import java.util.Map;

/**
 * How one worker Deployment wants to be scaled, from its annotations (API.md "Worker pools scale
 * themselves"), and the replica count a demand calls for.
 */
public record ScalePolicy(
    int minReplicas, int maxReplicas, int tasksPerReplica, Duration scaleDownDelay) {
  public static final String POOL_LABEL = "fanout.dev/pool";
  public static final String AUTOSCALE = "fanout.dev/autoscale";
  public static final String MIN_REPLICAS = "fanout.dev/min-replicas";
  public static final String MAX_REPLICAS = "fanout.dev/max-replicas";
  public static final String TASKS_PER_REPLICA = "fanout.dev/tasks-per-replica";
  public static final String SCALE_DOWN_DELAY = "fanout.dev/scale-down-delay-seconds";

  /** A Deployment's annotation that cannot be used, named in the message. */
  public static final class InvalidAnnotation extends Exception {
    InvalidAnnotation(String message) {
      super(message);
    }
  }

  /** Whether the Deployment asks to be scaled by the operator. */
  public static boolean wanted(Map<String, String> annotations) {
    return annotations != null && "true".equalsIgnoreCase(annotations.get(AUTOSCALE));
  }

  /**
   * @throws InvalidAnnotation naming the annotation and what is wrong with it
   */
  public static ScalePolicy of(Map<String, String> annotations) throws InvalidAnnotation {
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    int min = integer(a, MIN_REPLICAS, 0, 0, 1000);
    int max = integer(a, MAX_REPLICAS, 10, 1, 1000);
    if (min > max) {
      throw new InvalidAnnotation(
          MIN_REPLICAS + " (" + min + ") is above " + MAX_REPLICAS + " (" + max + ")");
    }
    int perReplica = integer(a, TASKS_PER_REPLICA, 8, 1, 100_000);
    int delay = integer(a, SCALE_DOWN_DELAY, 60, 0, 86_400);
    return new ScalePolicy(min, max, perReplica, Duration.ofSeconds(delay));
  }

  /** {@code ceil(runnable / tasksPerReplica)}, held between min and max. */
  public int desired(int runnable) {
    return Math.max(minReplicas, Math.min(maxReplicas, forDemand(runnable)));
  }

  /** {@code ceil(runnable / tasksPerReplica)}: what the demand alone calls for. */
  public int forDemand(int runnable) {
    return (int) Math.ceil(runnable / (double) tasksPerReplica);
  }

  private static int integer(Map<String, String> a, String key, int fallback, int low, int high)
      throws InvalidAnnotation {
    String raw = a.get(key);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    int value;
    try {
      value = Integer.parseInt(raw.strip());
    } catch (NumberFormatException e) {
      throw new InvalidAnnotation(key + " must be an integer, was \"" + raw + "\"");
    }
    if (value < low || value > high) {
      throw new InvalidAnnotation(
          key + " must be between " + low + " and " + high + ", was " + value);
    }
    return value;
  }
}
