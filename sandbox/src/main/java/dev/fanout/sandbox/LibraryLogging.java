package dev.fanout.sandbox;

import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where what the sandbox's libraries log goes: one file in the run directory, never the terminal
 * the progress view draws on. Logback writes it (see logback.xml); java.util.logging, which the
 * mock API server uses, is forwarded there.
 */
final class LibraryLogging {
  private LibraryLogging() {}

  /** Call before anything creates a logger. */
  static void toFile(Path file) {
    System.setProperty("fanout.sandbox.log", file.toString());
    LogManager.getLogManager().reset();
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.setLevel(Level.INFO);
    root.addHandler(new ToSlf4j());
  }

  /** A java.util.logging record, formatted, logged again through SLF4J. */
  private static final class ToSlf4j extends Handler {
    private final SimpleFormatter formatter = new SimpleFormatter();

    @Override
    public void publish(LogRecord record) {
      Logger logger =
          LoggerFactory.getLogger(record.getLoggerName() == null ? "jul" : record.getLoggerName());
      String message = formatter.formatMessage(record);
      int level = record.getLevel().intValue();
      if (level >= Level.SEVERE.intValue()) {
        logger.error(message, record.getThrown());
      } else if (level >= Level.WARNING.intValue()) {
        logger.warn(message, record.getThrown());
      } else if (level >= Level.INFO.intValue()) {
        logger.info(message, record.getThrown());
      } else {
        logger.debug(message, record.getThrown());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
