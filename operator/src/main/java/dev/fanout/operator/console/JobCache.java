package dev.fanout.operator.console;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's own view of the Jobs: an informer per watched namespace (or one for all), started
 * on every operator replica, leader or not, so that reads never LIST the API server per request.
 */
final class JobCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobCache.class);

  private final List<SharedIndexInformer<Job>> informers = new ArrayList<>();

  /**
   * @param namespaces the operator's watched namespaces; empty: all
   * @param onChange called with each Job added or whose status changed, and with each deleted Job
   *     (second argument true); on the informer's thread, so it must not block
   */
  JobCache(KubernetesClient client, List<String> namespaces, Change onChange) {
    ResourceEventHandler<Job> handler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Job job) {
            onChange.changed(job, false);
          }

          @Override
          public void onUpdate(Job before, Job after) {
            // What a row of the list shows, or the Job going: not each finalizer or label edit.
            if (!JobViews.item(before).equals(JobViews.item(after))
                || !Objects.equals(
                    before.getMetadata().getDeletionTimestamp(),
                    after.getMetadata().getDeletionTimestamp())) {
              onChange.changed(after, false);
            }
          }

          @Override
          public void onDelete(Job job, boolean unknownFinalState) {
            onChange.changed(job, true);
          }
        };
    if (namespaces.isEmpty()) {
      informers.add(
          start(client.resources(Job.class).inAnyNamespace().runnableInformer(0), handler));
    } else {
      for (String ns : namespaces) {
        informers.add(
            start(client.resources(Job.class).inNamespace(ns).runnableInformer(0), handler));
      }
    }
    log.info(
        "The console follows the Jobs of {}", namespaces.isEmpty() ? "all namespaces" : namespaces);
  }

  /**
   * Starts without waiting for the first list: the operator's start does not hang on the console,
   * and the informer keeps trying while the API server is away or refuses.
   */
  private static SharedIndexInformer<Job> start(
      SharedIndexInformer<Job> informer, ResourceEventHandler<Job> handler) {
    informer.addEventHandler(handler);
    informer.exceptionHandler(
        (started, t) -> {
          log.warn("The console's view of the Jobs cannot follow them: {}", t.toString());
          return true;
        });
    informer.start();
    return informer;
  }

  /** What to do when a Job changes. */
  interface Change {
    void changed(Job job, boolean deleted);
  }

  /** Every Job held, by namespace then name. */
  List<Job> all() {
    List<Job> jobs = new ArrayList<>();
    informers.forEach(i -> jobs.addAll(i.getStore().list()));
    jobs.sort(
        Comparator.comparing((Job j) -> j.getMetadata().getNamespace())
            .thenComparing(j -> j.getMetadata().getName()));
    return jobs;
  }

  void forEach(Consumer<Job> action) {
    informers.forEach(i -> i.getStore().list().forEach(action));
  }

  Optional<Job> get(String namespace, String name) {
    for (SharedIndexInformer<Job> informer : informers) {
      Job job = informer.getStore().getByKey(namespace + "/" + name);
      if (job != null) {
        return Optional.of(job);
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
