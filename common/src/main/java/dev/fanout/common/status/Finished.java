package dev.fanout.common.status;

/** A task's final outcome as the status records it: its index in one of the two sets. */
public record Finished(int index, boolean succeeded, int attempts, String reason, String message) {
  public static Finished success(int index, int attempts) {
    return new Finished(index, true, attempts, null, null);
  }

  public static Finished failure(int index, int attempts, String reason, String message) {
    return new Finished(index, false, attempts, reason, message);
  }
}
