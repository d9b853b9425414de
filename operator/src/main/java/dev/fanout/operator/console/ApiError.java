package dev.fanout.operator.console;

/** A request the console answers with an error status and a message for the user. */
final class ApiError extends RuntimeException {
  private final int status;

  ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
