package dev.fanout.api;

/** One reason the stand-in admission rejects an object: the field it names, and why. */
public record AdmissionError(String field, String message) {
  @Override
  public String toString() {
    return field.isEmpty() ? message : field + ": " + message;
  }
}
