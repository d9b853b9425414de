package dev.fanout.cli;

import dev.fanout.api.Job;
import dev.fanout.api.RetryJob;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashSet;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code retry NAME}: a new Job {@code NAME-retry-<n>} that runs the failed tasks again. */
@Command(
    name = "retry",
    description = {
      "Create NAME-retry-<n>: the same spec, run only for the failed indexes of the finished"
          + " Job NAME (spec.tasks.indexes), annotated fanout.dev/retry-of: NAME."
    })
final class RetryCommand implements Runnable {
  /** Creations that lost a race for a name to another retry before this one gives up. */
  private static final int NAME_RACES = 5;

  @ParentCommand FanoutCommand root;

  @Parameters(paramLabel = "NAME", description = "A finished Job with failed tasks.")
  String name;

  @Override
  public void run() {
    try (Kube kube = root.kube.connect()) {
      Job finished = kube.job(name);
      RetryJob.failedIndexes(finished);
      Set<String> taken = new HashSet<>();
      kube.jobs()
          .inNamespace(kube.namespace())
          .list()
          .getItems()
          .forEach(j -> taken.add(j.getMetadata().getName()));
      for (int race = 0; ; race++) {
        Job retry = RetryJob.of(finished, taken::contains);
        try {
          kube.jobs().inNamespace(kube.namespace()).resource(retry).create();
          root.terminal
              .out()
              .println("job.fanout.dev/" + retry.getMetadata().getName() + " created");
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || race >= NAME_RACES) {
            throw e;
          }
          taken.add(retry.getMetadata().getName());
        }
      }
    }
  }
}
