package dev.fanout.sandbox;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The worker Deployment of {@code --autoscale}: created in the sandbox's API server, labelled and
 * annotated for the operator's scaler, and played as a kubelet would play it: its {@code
 * spec.replicas} is matched by starting worker processes and stopping them with SIGTERM (so a
 * stopped worker hands its tasks back). Only this Deployment; nothing else runs pods.
 */
final class AutoscaledPool implements AutoCloseable {
  static final String NAMESPACE = "default";
  static final String POOL = "default";
  static final String NAME = "fanout-worker-" + POOL;
  private static final long LOOP_MILLIS = 200;

  private final KubernetesClient client;
  private final FanoutProcesses processes;
  private final Duration stopGrace;
  private final int concurrency;
  private final int queuePort;
  private final Map<String, String> env;
  private final List<Path> plugins;
  private final AutoscaleTrace trace;
  private final List<Worker> running = new ArrayList<>();
  private final List<Worker> stopping = new ArrayList<>();
  private final List<Worker> ended = new ArrayList<>();
  private volatile int replicas;
  private volatile int alive;
  private volatile long firstScaleUpNanos = -1;
  private volatile long zeroNanos = -1;
  private volatile RuntimeException failure;
  private int started;
  private Thread loop;

  /** A worker process and when it started and ended (nanoTime). */
  private record Worker(ChildProcess process, long startNanos, long[] endNanos) {}

  private AutoscaledPool(
      KubernetesClient client,
      FanoutProcesses processes,
      Duration stopGrace,
      int concurrency,
      int queuePort,
      Map<String, String> env,
      List<Path> plugins,
      AutoscaleTrace trace) {
    this.client = client;
    this.processes = processes;
    this.stopGrace = stopGrace;
    this.concurrency = concurrency;
    this.queuePort = queuePort;
    this.env = env;
    this.plugins = plugins;
    this.trace = trace;
  }

  /**
   * Creates the Deployment with 0 replicas and starts following it.
   *
   * @param trace where to write the time series, or null
   */
  static AutoscaledPool start(
      KubernetesClient client,
      FanoutProcesses processes,
      Duration stopGrace,
      int concurrency,
      int max,
      Duration scaleDownDelay,
      int queuePort,
      Map<String, String> env,
      List<Path> plugins,
      AutoscaleTrace trace) {
    client
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .resource(deployment(max, scaleDownDelay))
        .create();
    AutoscaledPool pool =
        new AutoscaledPool(
            client, processes, stopGrace, concurrency, queuePort, env, plugins, trace);
    pool.loop = Thread.ofPlatform().daemon().name("autoscaled-pool").start(pool::follow);
    return pool;
  }

  /** What the operator's scaler looks for: the pool label and the autoscaling annotations. */
  static Deployment deployment(int max, Duration scaleDownDelay) {
    Map<String, String> labels = Map.of("app", "fanout-worker", "fanout.dev/pool", POOL);
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .withAnnotations(
            Map.of(
                "fanout.dev/autoscale",
                "true",
                "fanout.dev/min-replicas",
                "0",
                "fanout.dev/max-replicas",
                String.valueOf(max),
                "fanout.dev/scale-down-delay-seconds",
                String.valueOf(scaleDownDelay.toSeconds())))
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
        .withNewSelector()
        .withMatchLabels(labels)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("worker")
        .withImage("fanout-worker (played by the sandbox's own processes)")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private void follow() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        step();
        Thread.sleep(LOOP_MILLIS);
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        failure = new SandboxException("the autoscaled worker pool failed: " + e.getMessage(), e);
        return;
      }
    }
  }

  private synchronized void step() throws IOException, InterruptedException {
    Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(NAME).get();
    int wanted = d == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
    long now = System.nanoTime();
    if (wanted > 0 && firstScaleUpNanos < 0) {
      firstScaleUpNanos = now;
    }
    while (running.size() < wanted) {
      started++;
      int port = FanoutProcesses.freePorts(1)[0];
      ChildProcess worker =
          processes.startWorker(
              "worker-" + started, POOL, concurrency, queuePort, port, env, plugins);
      running.add(new Worker(worker, System.nanoTime(), new long[] {-1}));
    }
    while (running.size() > wanted) {
      // The newest goes first, as a ReplicaSet scaled in picks the most recently started pod.
      Worker w = running.remove(running.size() - 1);
      processes.retire(w.process(), stopGrace);
      stopping.add(w);
    }
    for (Worker w : List.copyOf(stopping)) {
      if (!w.process().isAlive()) {
        w.endNanos()[0] = System.nanoTime();
        stopping.remove(w);
        ended.add(w);
      }
    }
    replicas = wanted;
    alive = running.size() + stopping.size();
    if (wanted == 0 && alive == 0 && firstScaleUpNanos >= 0 && zeroNanos < 0) {
      zeroNanos = System.nanoTime();
    } else if (wanted > 0) {
      zeroNanos = -1;
    }
    if (trace != null) {
      trace.sample(now, wanted, alive);
    }
  }

  /** The worker count for the live view: processes running (stopping ones too) / replicas. */
  String status() {
    return "workers " + alive + "/" + replicas;
  }

  /** Throws what stopped the pool from following its Deployment. */
  void check() {
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * True while the Deployment is at 0 replicas with no worker left: after the Jobs, once it is back
   * at 0, or at once when it never went up (Jobs that ended without running, say an invalid spec).
   */
  boolean idle() {
    return replicas == 0 && alive == 0;
  }

  /**
   * The figures of the run: time from {@code jobsCreatedNanos} to the first scale-up, time from
   * {@code jobsEndNanos} to zero workers, and the workers' summed lifetimes.
   */
  synchronized String summary(long jobsCreatedNanos, long jobsEndNanos) {
    long now = System.nanoTime();
    double workerSeconds = 0;
    List<Worker> all = new ArrayList<>(ended);
    all.addAll(stopping);
    all.addAll(running);
    for (Worker w : all) {
      long end = w.endNanos()[0] >= 0 ? w.endNanos()[0] : now;
      workerSeconds += (end - w.startNanos()) / 1e9;
    }
    if (firstScaleUpNanos < 0) {
      return "never scaled up: no task of pool " + POOL + " was runnable";
    }
    String up =
        String.format(
            Locale.ROOT,
            "first scale-up %.1f s after the Jobs were created",
            (firstScaleUpNanos - jobsCreatedNanos) / 1e9);
    String zero =
        zeroNanos < 0
            ? "not back to 0 workers"
            : String.format(
                Locale.ROOT,
                "back to 0 workers %.1f s after the last Job finished",
                (zeroNanos - jobsEndNanos) / 1e9);
    return String.format(
        Locale.ROOT,
        "%s; %d worker%s started, %.1f worker-seconds; %s",
        up,
        started,
        started == 1 ? "" : "s",
        workerSeconds,
        zero);
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.interrupt();
      try {
        loop.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (trace != null) {
      trace.close();
    }
  }
}
