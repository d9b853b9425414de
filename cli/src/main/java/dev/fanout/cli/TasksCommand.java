package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code tasks NAME}: the Job's task rows from the operator's task API, by index. */
@Command(
    name = "tasks",
    description =
        "List a Job's tasks from the operator's task API (also for a deleted Job): index, state,"
            + " attempts, duration, error.")
final class TasksCommand implements Runnable {
  static final int PAGE = 500;

  @ParentCommand FanoutCommand root;

  @Mixin ConsoleOptions console;

  @Parameters(paramLabel = "NAME", description = "A Job's name.")
  String name;

  @Option(
      names = "--state",
      paramLabel = "S",
      description = "Only tasks in this state: Pending, Sent, Succeeded, Failed or NotRun.")
  String state;

  @Option(names = "--limit", paramLabel = "N", description = "At most N tasks (default: all).")
  int limit;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "json or yaml instead of the table.")
  Output output;

  @Override
  public void run() {
    String apiState = null;
    if (state != null) {
      apiState = TaskApi.state(state);
      if (apiState == null) {
        throw new FanoutCommand.UsageError(
            "unknown state \"" + state + "\": one of " + String.join(", ", TaskApi.STATES));
      }
    }
    if (limit < 0) {
      throw new FanoutCommand.UsageError("--limit must be 0 (all) or more, not " + limit);
    }
    Terminal t = root.terminal;
    try (Kube kube = root.kube.connect();
        ConsoleEndpoint endpoint = ConsoleEndpoint.open(console, t.env(), kube);
        TaskListing listing =
            new TaskListing(
                t.out(),
                output,
                new Table("INDEX", "STATE", "ATTEMPTS", "DURATION", "ERROR"),
                TasksCommand::row,
                PAGE)) {
      TaskApiCall.forEachTask(kube, endpoint, name, apiState, limit, PAGE, listing);
      if (listing.count() == 0 && output == null) {
        t.note(
            "No tasks found for job.fanout.dev/"
                + name
                + " in "
                + kube.namespace()
                + " namespace"
                + (apiState == null ? "." : " in state " + apiState + "."));
      }
    }
  }

  static Object[] row(JsonNode task) {
    JsonNode error = task.path("error");
    String shown =
        error.isNull() || error.isMissingNode()
            ? ""
            : TaskListing.oneLine(
                error.isObject()
                    ? error.path("reason").asText("") + ": " + error.path("message").asText("")
                    : error.asText(""));
    return new Object[] {
      task.path("index").asText(),
      task.path("state").asText(""),
      task.path("attempts").asText(""),
      TaskListing.duration(task.path("durationMillis")),
      shown
    };
  }
}
