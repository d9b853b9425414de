package dev.fanout.worker;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jobs this worker may run tasks for, from a shared informer (all namespaces, or the configured
 * ones), with a direct read when the informer has not seen a Job yet: the operator sends a new
 * Job's first tasks within milliseconds of its creation.
 */
final class JobCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobCache.class);

  private final KubernetesClient client;
  private final Runnable onRead;
  private final List<SharedIndexInformer<Job>> informers = new ArrayList<>();
  private final GoneJobs gone = new GoneJobs();

  /**
   * @param onRead called for each read of a Job from the API server (the informer's aside)
   */
  JobCache(KubernetesClient client, List<String> namespaces, Runnable onRead) {
    this.client = client;
    this.onRead = onRead;
    if (namespaces.isEmpty()) {
      informers.add(client.resources(Job.class).inAnyNamespace().runnableInformer(0));
    } else {
      for (String namespace : namespaces) {
        informers.add(client.resources(Job.class).inNamespace(namespace).runnableInformer(0));
      }
    }
    for (SharedIndexInformer<Job> informer : informers) {
      informer.itemStore(new SlimJobStore());
      informer.exceptionHandler(
          (started, error) -> {
            // Keep trying: the API server may come later than the worker; /readyz tells.
            log.warn("Job informer: {}; retrying", error.toString());
            return true;
          });
      informer.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {}

            @Override
            public void onUpdate(Job before, Job job) {
              if (!before.getMetadata().getUid().equals(job.getMetadata().getUid())) {
                gone.add(before.getMetadata().getUid(), true);
              }
            }

            @Override
            public void onDelete(Job job, boolean finalStateUnknown) {
              gone.add(job.getMetadata().getUid(), false);
            }
          });
    }
  }

  /**
   * Calls {@code listener} with a Job's UID and what became of it whenever the informer sees it
   * finished, being deleted, or deleted: its running tasks are to stop. Called before {@link
   * #start}; it may be called more than once for a Job.
   */
  void onEnded(BiConsumer<String, String> listener) {
    ResourceEventHandler<Job> handler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Job job) {
            tell(job);
          }

          @Override
          public void onUpdate(Job before, Job job) {
            tell(job);
          }

          @Override
          public void onDelete(Job job, boolean finalStateUnknown) {
            listener.accept(job.getMetadata().getUid(), "the Job was deleted");
          }

          private void tell(Job job) {
            String end = end(job);
            if (end != null) {
              listener.accept(job.getMetadata().getUid(), end);
            }
          }
        };
    informers.forEach(i -> i.addEventHandler(handler));
  }

  /** What ended the Job, or null while it runs. */
  static String end(Job job) {
    if (job.getMetadata().getDeletionTimestamp() != null) {
      return "the Job was deleted";
    }
    JobStatus status = job.getStatus();
    if (status == null || !status.isFinished()) {
      return null;
    }
    JobCondition c =
        status.condition(
            status.isTrue(JobCondition.FAILED) ? JobCondition.FAILED : JobCondition.COMPLETE);
    return "the Job finished (" + c.getType() + ": " + c.getReason() + ")";
  }

  /** Starts watching; does not wait for the first list. */
  void start() {
    informers.forEach(SharedIndexInformer::start);
  }

  /** Null when every informer has listed and is watching; else what is missing. */
  String problem() {
    for (SharedIndexInformer<Job> informer : informers) {
      if (!informer.hasSynced()) {
        return "the Job informer has not listed Jobs from the Kubernetes API yet";
      }
      if (!informer.isWatching()) {
        return "the Job informer is not watching the Kubernetes API";
      }
    }
    return null;
  }

  /** The informer's copy, or null. */
  Job cached(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    for (SharedIndexInformer<Job> informer : informers) {
      Job job = informer.getStore().getByKey(key);
      if (job != null) {
        return job;
      }
    }
    return null;
  }

  /**
   * The Job the task belongs to as currently known: the informer's copy when it has this UID, else
   * a fresh read (the informer may lag behind a new or replaced Job). Ask {@link #goneReplaced}
   * first: the leftovers of a large deleted Job would cost a read each.
   *
   * @return the Job by that namespace/name (whatever its UID), or null when there is none
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API cannot answer
   */
  Job lookup(String namespace, String name, String uid) {
    Job cached = cached(namespace, name);
    if (cached != null && uid.equals(cached.getMetadata().getUid())) {
      return cached;
    }
    onRead.run();
    Job read = client.resources(Job.class).inNamespace(namespace).withName(name).get();
    if ((read == null || !uid.equals(read.getMetadata().getUid())) && !cachedAnywhere(uid)) {
      // A UID is never reused: the task's Job is gone for good. Unless a Job of that UID lives
      // under another name: then the message named the wrong one (forged), and the Job's own
      // tasks must not be dropped for it.
      gone.add(uid, read != null);
    }
    return read;
  }

  private boolean cachedAnywhere(String uid) {
    for (SharedIndexInformer<Job> informer : informers) {
      for (Job job : informer.getStore().list()) {
        if (uid.equals(job.getMetadata().getUid())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether this worker knows the Job of that UID to be gone, which costs no API call: null when
   * not known gone; else true when another Job has its name now.
   */
  Boolean goneReplaced(String namespace, String name, String uid) {
    Job cached = cached(namespace, name);
    if (cached != null && uid.equals(cached.getMetadata().getUid())) {
      return null; // it lives, whatever an earlier message said of it
    }
    Boolean replaced = gone.replaced(uid);
    if (replaced == null || replaced) {
      return replaced;
    }
    return cached != null;
  }

  /**
   * Keeps what the worker reads of a Job (metadata, handler, command, {@code spec.suspend}, how
   * many tasks, status) and drops the task items and parameters, which can run to megabytes a Job:
   * every task message carries its own. Items are kept as their count.
   */
  private static final class SlimJobStore extends BasicItemStore<Job> {
    SlimJobStore() {
      super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public Job put(String key, Job job) {
      if (job.getSpec() != null) {
        var tasks = job.getSpec().getTasks();
        if (tasks != null && tasks.getItems() != null) {
          tasks.setCount(tasks.getItems().size());
          tasks.setItems(null);
        }
        job.getSpec().setParameters(null);
      }
      return super.put(key, job);
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::stop);
  }
}
