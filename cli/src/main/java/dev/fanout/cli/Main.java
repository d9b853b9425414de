package dev.fanout.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code kubectl fanout ...} (the executable {@code kubectl-fanout}): exit code 0 on success, 1
 * when the command failed (one line on stderr names the problem), 2 for a bad command line.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, System.getenv());
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command line; what a test calls instead of {@link #main}. */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return FanoutCommand.commandLine(new Terminal(out, err, env)).execute(args);
  }
}
