package dev.fanout.cli;

import java.io.PrintStream;
import java.util.Map;

/** Where a command writes and the environment it reads: the process's, or a test's. */
record Terminal(PrintStream out, PrintStream err, Map<String, String> env) {
  Terminal {
    env = Map.copyOf(env);
  }

  /** A remark on stderr, as kubectl makes them ("No resources found ..."). */
  void note(String line) {
    out.flush();
    err.println(line);
  }
}
