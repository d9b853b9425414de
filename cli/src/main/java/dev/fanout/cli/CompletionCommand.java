package dev.fanout.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code completion bash|zsh}: a completion script for the {@code kubectl-fanout} executable
 * (picocli's). {@code kubectl fanout <TAB>} is kubectl's to complete: kubectl 1.26+ runs the
 * executable {@code kubectl_complete-fanout}, which calls {@link CompleteCommand}.
 */
@Command(
    name = "completion",
    description =
        "Print a bash or zsh completion script for kubectl-fanout; kubectl_complete-fanout"
            + " completes \"kubectl fanout\" (docs/cli.md).")
final class CompletionCommand implements Runnable {
  enum Shell {
    bash,
    zsh
  }

  @ParentCommand FanoutCommand root;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell;

  @Override
  public void run() {
    CommandLine cli = FanoutCommand.commandLine(root.terminal);
    cli.setCommandName("kubectl-fanout");
    String script = AutoComplete.bash("kubectl-fanout", cli);
    if (shell == Shell.zsh) {
      root.terminal
          .out()
          .print(
              "# zsh runs this bash completion through bashcompinit.\n"
                  + "autoload -U +X compinit && compinit\n"
                  + "autoload -U +X bashcompinit && bashcompinit\n");
    }
    root.terminal.out().print(script);
  }
}
