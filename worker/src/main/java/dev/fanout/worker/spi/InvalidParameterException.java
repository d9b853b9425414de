package dev.fanout.worker.spi;

/** A task parameter of the wrong type; the message names it. The task fails without retries. */
public class InvalidParameterException extends IllegalArgumentException {
  public InvalidParameterException(String message) {
    super(message);
  }
}
