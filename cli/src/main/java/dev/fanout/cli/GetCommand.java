package dev.fanout.cli;

import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code get [NAME]}: the Jobs with the CRD's printer columns, or one Job. */
@Command(
    name = "get",
    description = "List the Jobs of a namespace, or show one: phase, progress, failed, age.")
final class GetCommand implements Runnable {
  @ParentCommand FanoutCommand root;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "A Job's name.")
  String name;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List the Jobs of every namespace.")
  boolean allNamespaces;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "json or yaml instead of the table.")
  Output output;

  @Override
  public void run() {
    if (name != null && allNamespaces) {
      throw new FanoutCommand.UsageError("a Job name cannot be given with --all-namespaces");
    }
    Terminal t = root.terminal;
    try (Kube kube = root.kube.connect()) {
      List<Job> jobs;
      if (name != null) {
        jobs = List.of(kube.job(name));
      } else if (allNamespaces) {
        jobs = kube.jobs().inAnyNamespace().list().getItems();
      } else {
        jobs = kube.jobs().inNamespace(kube.namespace()).list().getItems();
      }
      jobs =
          jobs.stream()
              .sorted(
                  Comparator.comparing((Job j) -> j.getMetadata().getNamespace())
                      .thenComparing(j -> j.getMetadata().getName()))
              .toList();
      if (output != null) {
        Object shown =
            name != null
                ? jobs.get(0)
                : java.util.Map.of(
                    "apiVersion",
                    "v1",
                    "kind",
                    "List",
                    "items",
                    jobs,
                    "metadata",
                    java.util.Map.of("resourceVersion", ""));
        t.out().print(format(shown, output));
        return;
      }
      if (jobs.isEmpty()) {
        t.note(
            allNamespaces
                ? "No resources found"
                : "No resources found in " + kube.namespace() + " namespace.");
        return;
      }
      table(jobs, allNamespaces, Instant.now()).flush(t.out());
    }
  }

  /** kubectl's own list document. */
  private static java.util.Map<String, Object> list(List<Job> jobs) {
    java.util.Map<String, Object> list = new java.util.LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("items", jobs);
    list.put("kind", "List");
    list.put("metadata", java.util.Map.of("resourceVersion", ""));
    return list;
  }

  static String format(Object value, Output output) {
    return switch (output) {
      case json -> Serialization.asJson(value).stripTrailing() + "\n";
      case yaml -> Serialization.asYaml(value).replaceFirst("^---\n", "");
    };
  }

  /** The rows of {@code kubectl get fjob}: NAME PHASE PROGRESS FAILED DURATION AGE. */
  static Table table(List<Job> jobs, boolean withNamespace, Instant now) {
    Table table =
        withNamespace
            ? new Table("NAMESPACE", "NAME", "PHASE", "PROGRESS", "FAILED", "DURATION", "AGE")
            : new Table("NAME", "PHASE", "PROGRESS", "FAILED", "DURATION", "AGE");
    for (Job job : jobs) {
      JobStatus s = job.getStatus() == null ? new JobStatus() : job.getStatus();
      Object[] cells = {
        job.getMetadata().getName(),
        s.getPhase(),
        s.getProgress(),
        s.getFailed(),
        s.getDuration(),
        Ages.since(job.getMetadata().getCreationTimestamp(), now)
      };
      if (withNamespace) {
        Object[] wide = new Object[cells.length + 1];
        wide[0] = job.getMetadata().getNamespace();
        System.arraycopy(cells, 0, wide, 1, cells.length);
        cells = wide;
      }
      table.row(cells);
    }
    return table;
  }
}
