package dev.fanout.cli;

import picocli.CommandLine.Option;

/** How {@code tasks} and {@code failures} reach the operator's task API. */
final class ConsoleOptions {
  static final String URL_VARIABLE = "FANOUT_CONSOLE_URL";

  @Option(
      names = "--console-url",
      paramLabel = "URL",
      description =
          "The operator's console, e.g. http://localhost:8090 (a port-forward of your own, or"
              + " in-cluster); default: $FANOUT_CONSOLE_URL, else a port-forward to the"
              + " operator's pod through the API server.")
  String consoleUrl;

  @Option(
      names = "--operator-namespace",
      paramLabel = "NS",
      description =
          "Where the operator's pod runs (default: found in the namespaces you can list, else"
              + " fanout).")
  String operatorNamespace;
}
