package dev.fanout.cli;

/** A failure the user can act on, reported as its one-line message with exit code 1. */
class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
