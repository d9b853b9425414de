package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code failures NAME}: every failed task from the task API; when that cannot be reached, the at
 * most 20 recent ones of {@code status.failures}, saying so on stderr.
 */
@Command(
    name = "failures",
    description =
        "List every failed task of a Job: index, attempts, reason, message (task API; the 20"
            + " most recent of status.failures when it cannot be reached).")
final class FailuresCommand implements Runnable {
  @ParentCommand FanoutCommand root;

  @Mixin ConsoleOptions console;

  @Parameters(paramLabel = "NAME", description = "A Job's name.")
  String name;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "json or yaml instead of the table.")
  Output output;

  @Override
  public void run() {
    Terminal t = root.terminal;
    try (Kube kube = root.kube.connect()) {
      TaskListing listing = listing(t);
      try (ConsoleEndpoint endpoint = ConsoleEndpoint.open(console, t.env(), kube)) {
        TaskApiCall.forEachTask(
            kube, endpoint, name, "Failed", 0, TasksCommand.PAGE, listing::accept);
      } catch (TaskApi.Unreachable e) {
        if (listing.count() > 0) {
          throw e;
        }
        fromStatus(kube, e.getMessage(), listing);
        return;
      }
      listing.close();
      if (listing.count() == 0 && output == null) {
        t.note("No failed tasks in job.fanout.dev/" + name + ".");
      }
    }
  }

  private TaskListing listing(Terminal t) {
    return new TaskListing(
        t.out(),
        output,
        new Table("INDEX", "ATTEMPTS", "REASON", "MESSAGE"),
        FailuresCommand::row,
        TasksCommand.PAGE);
  }

  private void fromStatus(Kube kube, String why, TaskListing listing) {
    Job job = kube.job(name);
    JobStatus status = job.getStatus() == null ? new JobStatus() : job.getStatus();
    List<TaskFailure> failures = status.getFailures() == null ? List.of() : status.getFailures();
    int failed = status.getFailed() == null ? failures.size() : status.getFailed();
    root.terminal.note(
        "warning: "
            + why
            + "; showing status.failures instead ("
            + failures.size()
            + " of "
            + failed
            + " failed tasks, at most "
            + JobStatus.MAX_FAILURES
            + " recent ones)");
    for (TaskFailure f : failures) {
      listing.accept(
          io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
              .createObjectNode()
              .put("index", f.getIndex())
              .put("state", "Failed")
              .put("attempts", f.getAttempts())
              .set(
                  "error",
                  io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
                      .createObjectNode()
                      .put("reason", f.getReason())
                      .put("message", f.getMessage())));
    }
    listing.close();
    if (listing.count() == 0 && output == null) {
      root.terminal.note("No failed tasks in job.fanout.dev/" + name + ".");
    }
  }

  static Object[] row(JsonNode task) {
    JsonNode error = task.path("error");
    return new Object[] {
      task.path("index").asText(),
      task.path("attempts").asText(""),
      TaskListing.reason(error),
      TaskListing.message(error)
    };
  }
}
