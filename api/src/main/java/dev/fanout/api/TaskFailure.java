package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One failed task as {@code status.failures} lists it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TaskFailure {
  public static final int MAX_MESSAGE_BYTES = 1024;

  @JsonPropertyDescription("The task's index.")
  private Integer index;

  @JsonPropertyDescription("Attempts made.")
  private Integer attempts;

  @JsonPropertyDescription(
      "Why it failed: Error, Timeout, WorkerLost, DeadLettered, UnknownHandler, ...")
  private String reason;

  @JsonPropertyDescription("The last attempt's error, at most 1 KiB.")
  private String message;

  public TaskFailure() {}

  public TaskFailure(int index, int attempts, String reason, String message) {
    this.index = index;
    this.attempts = attempts;
    this.reason = reason;
    this.message = truncate(message);
  }

  /** Cuts a message to at most 1 KiB of UTF-8, keeping its end, where errors usually are. */
  public static String truncate(String message) {
    if (message == null) {
      return null;
    }
    byte[] bytes = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (bytes.length <= MAX_MESSAGE_BYTES) {
      return message;
    }
    String marker = "…";
    int budget =
        MAX_MESSAGE_BYTES - marker.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    int start = message.length();
    int used = 0;
    while (start > 0) {
      int cp = message.codePointBefore(start);
      int size =
          new String(Character.toChars(cp))
              .getBytes(java.nio.charset.StandardCharsets.UTF_8)
              .length;
      if (used + size > budget) {
        break;
      }
      used += size;
      start -= Character.charCount(cp);
    }
    return marker + message.substring(start);
  }

  public Integer getIndex() {
    return index;
  }

  public void setIndex(Integer index) {
    this.index = index;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskFailure f
        && Objects.equals(index, f.index)
        && Objects.equals(attempts, f.attempts)
        && Objects.equals(reason, f.reason)
        && Objects.equals(message, f.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, attempts, reason, message);
  }

  @Override
  public String toString() {
    return "task " + index + " (" + attempts + " attempts): " + reason + ": " + message;
  }
}
