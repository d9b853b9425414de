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
    Terminal terminal = new Terminal(out, err, env);
    picocli.CommandLine cli = FanoutCommand.commandLine(terminal);
    if (args.length > 0 && args[0].equals(CompleteCommand.NAME)) {
      return new CompleteCommand(cli.getCommandSpec(), terminal)
          .complete(java.util.List.of(args).subList(1, args.length));
    }
    return cli.execute(args);
  }
}
