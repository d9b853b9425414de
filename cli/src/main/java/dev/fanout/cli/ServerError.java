package dev.fanout.cli;

/** A refusal from a server, already worded as kubectl words it ("Error from server (...): ..."). */
final class ServerError extends CliException {
  ServerError(String message) {
    super(message);
  }
}
