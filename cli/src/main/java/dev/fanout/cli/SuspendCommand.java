package dev.fanout.cli;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code suspend NAME} and {@code resume NAME}: spec.suspend by a merge patch, as the user. */
abstract class SuspendCommand implements Runnable {
  @ParentCommand FanoutCommand root;

  @Parameters(paramLabel = "NAME", description = "A Job's name.")
  String name;

  abstract boolean suspend();

  @Override
  public void run() {
    String done = suspend() ? "suspended" : "resumed";
    try (Kube kube = root.kube.connect()) {
      Job job = kube.job(name);
      if (job.getSpec() != null && job.getSpec().isSuspended() == suspend()) {
        root.terminal.out().println("job.fanout.dev/" + name + " " + done + " (no change)");
        return;
      }
      kube.jobs()
          .inNamespace(kube.namespace())
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":" + suspend() + "}}");
      root.terminal.out().println("job.fanout.dev/" + name + " " + done);
    }
  }

  @Command(
      name = "suspend",
      description = "Set spec.suspend: no new task starts; tasks already running finish.")
  static final class Suspend extends SuspendCommand {
    @Override
    boolean suspend() {
      return true;
    }
  }

  @Command(name = "resume", description = "Clear spec.suspend: the Job's tasks start again.")
  static final class Resume extends SuspendCommand {
    @Override
    boolean suspend() {
      return false;
    }
  }
}
