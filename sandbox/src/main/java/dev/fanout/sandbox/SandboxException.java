package dev.fanout.sandbox;

/** Something the sandbox cannot go on with; the message is complete and meant for the user. */
public final class SandboxException extends RuntimeException {
  SandboxException(String message) {
    super(message);
  }

  SandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
