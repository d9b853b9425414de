package dev.fanout.operator.smoke;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The chart's {@code helm test} program: creates a hello Job (10 noop tasks) under a name of its
 * own, prints its progress until it is Complete, Failed or the timeout passes, deletes it whatever
 * happened, and exits 0 only when it completed. Runs from the operator's image: {@code java
 * -cp @/app/jib-classpath-file dev.fanout.operator.smoke.SmokeTest}.
 */
public final class SmokeTest {
  static final int TASKS = 10;

  /** Deletes the Job should this program be killed before it can (a pod's SIGTERM, then 30 s). */
  static final int TTL_SECONDS_AFTER_FINISHED = 600;

  /**
   * A label on every Job it creates, to find one left behind: {@code -l app.kubernetes.io/name}.
   */
  static final Map<String, String> LABELS = Map.of("app.kubernetes.io/name", "fanout-smoke-test");

  private static final Duration POLL = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final String namespace;
  private final SmokeTestConfig config;
  private final PrintStream out;
  private final AtomicReference<String> created = new AtomicReference<>();

  SmokeTest(KubernetesClient client, SmokeTestConfig config, PrintStream out) {
    this.client = client;
    this.namespace = config.namespace() != null ? config.namespace() : client.getNamespace();
    this.config = config;
    this.out = out;
  }

  public static void main(String[] args) {
    SmokeTestConfig config;
    try {
      config = SmokeTestConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("fanout-smoke-test: " + e.getMessage());
      System.exit(2);
      return;
    }
    int exitCode;
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      SmokeTest test = new SmokeTest(client, config, System.out);
      Thread cleanUp = new Thread(test::deleteJob, "delete-smoke-test-job");
      Runtime.getRuntime().addShutdownHook(cleanUp);
      exitCode = test.run();
      Runtime.getRuntime().removeShutdownHook(cleanUp);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exitCode = SmokeTestVerdict.FAILED;
    }
    System.exit(exitCode);
  }

  /** Creates the Job, follows it, deletes it; returns the exit code. */
  int run() throws InterruptedException {
    try {
      Job job = resources().resource(helloJob()).create();
      created.set(job.getMetadata().getName());
      out.printf(
          "Created Job %s: %d noop tasks on pool %s; waiting up to %d s for it to complete%n",
          job.ref(), TASKS, config.pool(), config.timeout().toSeconds());
      return follow(job.ref());
    } catch (KubernetesClientException e) {
      out.printf(
          "FAILED: the API server refused a request in namespace %s: %s%n",
          namespace, e.getMessage());
      return SmokeTestVerdict.FAILED;
    } finally {
      deleteJob();
    }
  }

  private int follow(String ref) throws InterruptedException {
    Resource<Job> resource = resources().withName(created.get());
    long deadline = System.nanoTime() + config.timeout().toNanos();
    String last = null;
    while (true) {
      Job job = resource.get();
      SmokeTestVerdict verdict = SmokeTestVerdict.of(job);
      if (!verdict.line().equals(last)) {
        out.println("  " + verdict.line());
        last = verdict.line();
      }
      if (verdict.finished()) {
        out.printf(
            "%s: Job %s %s%n",
            verdict.exitCode() == SmokeTestVerdict.PASSED ? "PASSED" : "FAILED",
            ref,
            verdict.line());
        return verdict.exitCode();
      }
      if (System.nanoTime() >= deadline) {
        out.printf(
            "FAILED: Job %s did not complete within %d s (last seen: %s): %s%n",
            ref,
            config.timeout().toSeconds(),
            verdict.line(),
            SmokeTestVerdict.stalled(job, config.pool()));
        return SmokeTestVerdict.FAILED;
      }
      Thread.sleep(POLL);
    }
  }

  /** Deletes the Job this program created, once; a failure to do so is printed, not thrown. */
  void deleteJob() {
    String name = created.getAndSet(null);
    if (name == null) {
      return;
    }
    try {
      resources().withName(name).delete();
      out.printf("Deleted Job %s/%s%n", namespace, name);
    } catch (KubernetesClientException e) {
      out.printf("Could not delete Job %s/%s: %s%n", namespace, name, e.getMessage());
    }
  }

  private NonNamespaceOperation<Job, KubernetesResourceList<Job>, Resource<Job>> resources() {
    return client.resources(Job.class).inNamespace(namespace);
  }

  private Job helloJob() {
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(TASKS));
    spec.setPool(config.pool());
    spec.setTtlSecondsAfterFinished(TTL_SECONDS_AFTER_FINISHED);
    Job job = new Job();
    job.setMetadata(
        new ObjectMetaBuilder()
            .withGenerateName("fanout-smoke-")
            .withNamespace(namespace)
            .withLabels(LABELS)
            .build());
    job.setSpec(spec);
    return job;
  }
}
