package dev.fanout.cli;

import dev.fanout.api.RetryJob;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: the kubeconfig options every subcommand shares, and the error handling. */
@Command(
    name = "kubectl fanout",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = FanoutCommand.Version.class,
    description = "Fanout Jobs (jobs.fanout.dev) with your kubeconfig and your own credentials.",
    subcommands = {
      GetCommand.class,
      TasksCommand.class,
      FailuresCommand.class,
      RetryCommand.class,
      SuspendCommand.Suspend.class,
      SuspendCommand.Resume.class,
      CompletionCommand.class,
    },
    footer = {
      "",
      "Use \"kubectl fanout COMMAND --help\" for more about a command; docs/cli.md has examples."
    })
final class FanoutCommand implements Runnable {
  @Mixin KubeOptions kube;

  @Spec CommandSpec spec;

  final Terminal terminal;

  FanoutCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public void run() {
    spec.commandLine().usage(terminal.out());
  }

  static CommandLine commandLine(Terminal terminal) {
    CommandLine cli = new CommandLine(new FanoutCommand(terminal));
    cli.setOut(new java.io.PrintWriter(terminal.out(), true));
    cli.setErr(new java.io.PrintWriter(terminal.err(), true));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine at = e.getCommandLine();
          String name = at.getCommandSpec().qualifiedName();
          terminal.err().println("error: " + e.getMessage());
          terminal.err().println("See '" + name + " --help' for usage.");
          return CommandLine.ExitCode.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, at, parsed) -> {
          terminal.out().flush();
          terminal.err().println(message(e));
          return e instanceof UsageError ? CommandLine.ExitCode.USAGE : 1;
        });
    return cli;
  }

  /** The one line a failure is reported as. */
  static String message(Exception e) {
    if (e instanceof ServerError) {
      return e.getMessage();
    }
    if (e instanceof CliException || e instanceof RetryJob.NotRetryable) {
      return "error: " + e.getMessage();
    }
    if (e instanceof KubernetesClientException k) {
      return ApiErrors.describe(k);
    }
    return "error: " + e;
  }

  /** A command line that parsed but asks for something impossible: exit code 2. */
  static final class UsageError extends CliException {
    UsageError(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = FanoutCommand.class.getPackage().getImplementationVersion();
      return new String[] {"kubectl-fanout " + (version == null ? "(development build)" : version)};
    }
  }
}
