package dev.fanout.operator.scale;

import dev.fanout.api.Job;
import dev.fanout.common.status.EventRecorder;
import dev.fanout.operator.queue.QueueAdmin;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scales the annotated worker Deployments of {@code FANOUT_WORKERS_NAMESPACE} on their pools'
 * runnable tasks, through each Deployment's {@code scale} subresource (API.md "Worker pools scale
 * themselves"). Runs on the leader only; every second it reads the Jobs and Deployments from
 * informers, so a new Job's demand reaches the Deployment within a pass.
 */
public final class PoolScaler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PoolScaler.class);
  static final String SCALED = "Scaled";
  static final String INVALID = "InvalidAutoscaling";
  private static final Duration PASS = Duration.ofSeconds(1);
  private static final Duration DEPTH_EVERY = Duration.ofSeconds(5);
  private static final Duration RETRY_WATCH = Duration.ofSeconds(10);

  /** How long a count this scaler set outranks an informer that has not seen it yet. */
  private static final Duration OWN_WRITE_WINDOW = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final String workersNamespace;
  private final List<String> jobNamespaces;
  private final List<String> pools;
  private final QueueAdmin queues;
  private final MeterRegistry registry;
  private final Clock clock;
  private final EventRecorder events;
  private final List<SharedIndexInformer<Job>> jobInformers = new ArrayList<>();
  private volatile SharedIndexInformer<Deployment> deployments;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "pool-scaler");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, ScaleDown> windows = new HashMap<>();
  private final Map<String, OwnWrite> ownWrites = new HashMap<>();
  private final Map<String, String> reportedInvalid = new HashMap<>();
  private final Map<String, AtomicLong> runnableGauges = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> desiredGauges = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> depthGauges = new ConcurrentHashMap<>();
  private Instant lastDepth = Instant.EPOCH;
  private Instant nextDeploymentsTry = Instant.EPOCH;
  private boolean toldNotAllowed;

  private record OwnWrite(int replicas, Instant at) {}

  /**
   * @param jobNamespaces the namespaces whose Jobs count; empty: all
   * @param pools the pools on /metrics from the start (FANOUT_POOLS); others join with a Job
   */
  public PoolScaler(
      KubernetesClient client,
      String workersNamespace,
      List<String> jobNamespaces,
      List<String> pools,
      QueueAdmin queues,
      MeterRegistry registry,
      Clock clock) {
    this.client = client;
    this.workersNamespace = workersNamespace;
    this.jobNamespaces = jobNamespaces;
    this.pools = pools;
    this.queues = queues;
    this.registry = registry;
    this.clock = clock;
    this.events = new EventRecorder(client);
  }

  /** Watches the Jobs and, every second, scales what needs it. */
  public PoolScaler start() {
    watchJobs();
    timer.scheduleWithFixedDelay(this::passSafely, 0, PASS.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  void watchJobs() {
    if (jobNamespaces.isEmpty()) {
      jobInformers.add(client.resources(Job.class).inAnyNamespace().inform());
    } else {
      for (String ns : jobNamespaces) {
        jobInformers.add(client.resources(Job.class).inNamespace(ns).inform());
      }
    }
  }

  /**
   * The Deployments' informer, started on first use. Without the right to watch Deployments (the
   * chart grants it only when a pool scales itself) there is nothing to scale: asked with a
   * SelfSubjectAccessReview, so that no request is refused, said once, asked again every 10 s.
   */
  private SharedIndexInformer<Deployment> deployments(Instant now) {
    if (deployments != null || now.isBefore(nextDeploymentsTry)) {
      return deployments;
    }
    nextDeploymentsTry = now.plus(RETRY_WATCH);
    try {
      if (!mayWatchDeployments()) {
        if (!toldNotAllowed) {
          log.info(
              "Not scaling worker Deployments: this operator may not watch Deployments in"
                  + " namespace {} (the chart grants it when a pool has autoscaling enabled);"
                  + " asking again every 10 s",
              workersNamespace);
          toldNotAllowed = true;
        }
        return null;
      }
      deployments =
          client
              .apps()
              .deployments()
              .inNamespace(workersNamespace)
              .withLabel(ScalePolicy.POOL_LABEL)
              .inform();
      log.info("Scaling the annotated worker Deployments of namespace {}", workersNamespace);
    } catch (KubernetesClientException e) {
      log.warn(
          "Cannot watch Deployments in namespace {}: {}; trying again in 10 s",
          workersNamespace,
          e.getMessage());
    }
    return deployments;
  }

  private boolean mayWatchDeployments() {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withNamespace(workersNamespace)
            .withGroup("apps")
            .withResource("deployments")
            .withVerb("watch")
            .endResourceAttributes()
            .endSpec()
            .build();
    SelfSubjectAccessReview answer =
        client.authorization().v1().selfSubjectAccessReview().create(review);
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  private void passSafely() {
    try {
      pass();
    } catch (RuntimeException e) {
      log.warn("Scaling pass failed: {}", e.toString());
    }
  }

  /** One look at the demand and the Deployments; scales those that need it. */
  void pass() {
    Instant now = clock.instant();
    List<Job> jobs = new ArrayList<>();
    for (SharedIndexInformer<Job> informer : jobInformers) {
      jobs.addAll(informer.getStore().list());
    }
    Map<String, Integer> runnable = Demand.byPool(jobs);
    pools.forEach(pool -> runnable.putIfAbsent(pool, 0));
    SharedIndexInformer<Deployment> watched = deployments(now);
    Set<String> scaled = new HashSet<>();
    for (Deployment d : watched == null ? List.<Deployment>of() : watched.getStore().list()) {
      String pool = d.getMetadata().getLabels().get(ScalePolicy.POOL_LABEL);
      runnable.putIfAbsent(pool, 0);
      if (ScalePolicy.wanted(d.getMetadata().getAnnotations())) {
        scaled.add(d.getMetadata().getUid());
        scale(d, pool, runnable.get(pool), now);
      }
    }
    // A Deployment deleted or no longer annotated leaves no state behind.
    windows.keySet().retainAll(scaled);
    ownWrites.keySet().retainAll(scaled);
    reportedInvalid.keySet().retainAll(scaled);
    runnable.forEach((pool, n) -> gauge(runnableGauges, "fanout_pool_runnable_tasks", pool).set(n));
    if (!now.isBefore(lastDepth.plus(DEPTH_EVERY))) {
      lastDepth = now;
      sampleDepth(runnable.keySet());
    }
  }

  private void scale(Deployment d, String pool, int runnable, Instant now) {
    String uid = d.getMetadata().getUid();
    ScalePolicy policy;
    try {
      policy = ScalePolicy.of(d.getMetadata().getAnnotations());
      reportedInvalid.remove(uid);
    } catch (ScalePolicy.InvalidAnnotation e) {
      if (!e.getMessage().equals(reportedInvalid.put(uid, e.getMessage()))) {
        log.warn("Deployment {}: not scaled: {}", ref(d), e.getMessage());
        events.record(d, true, INVALID, "Not scaled: " + e.getMessage(), now);
      }
      return;
    }
    int desired = policy.desired(runnable);
    gauge(desiredGauges, "fanout_pool_desired_replicas", pool).set(desired);
    int current = current(d, now);
    int target =
        windows
            .computeIfAbsent(uid, k -> new ScaleDown())
            .next(current, desired, policy.scaleDownDelay(), now);
    if (target == current) {
      return;
    }
    String why;
    if (target > current) {
      why =
          policy.forDemand(runnable) < target
              ? ScalePolicy.MIN_REPLICAS + " is " + target
              : runnable
                  + " runnable tasks in pool "
                  + pool
                  + ", "
                  + policy.tasksPerReplica()
                  + " per replica";
    } else {
      why =
          (runnable == 0 ? "no runnable task" : runnable + " runnable tasks")
              + " in pool "
              + pool
              + " for "
              + policy.scaleDownDelay().toSeconds()
              + " s";
    }
    try {
      client
          .apps()
          .deployments()
          .inNamespace(workersNamespace)
          .withName(d.getMetadata().getName())
          .scale(
              new ScaleBuilder()
                  .withNewMetadata()
                  .withName(d.getMetadata().getName())
                  .withNamespace(workersNamespace)
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(target)
                  .endSpec()
                  .build());
    } catch (KubernetesClientException e) {
      log.warn("Deployment {}: cannot scale to {}: {}", ref(d), target, e.getMessage());
      return;
    }
    ownWrites.put(uid, new OwnWrite(target, now));
    String message = "Scaled from " + current + " to " + target + ": " + why;
    log.info("Deployment {}: {}", ref(d), message);
    events.record(d, false, SCALED, message, now);
  }

  /** The Deployment's replicas, or the count this scaler just set if the informer lags. */
  private int current(Deployment d, Instant now) {
    Integer replicas = d.getSpec().getReplicas();
    int seen = replicas == null ? 1 : replicas;
    OwnWrite own = ownWrites.get(d.getMetadata().getUid());
    if (own == null || own.replicas() == seen || now.isAfter(own.at().plus(OWN_WRITE_WINDOW))) {
      ownWrites.remove(d.getMetadata().getUid());
      return seen;
    }
    return own.replicas();
  }

  private void sampleDepth(Set<String> pools) {
    for (String pool : pools) {
      try {
        QueueAdmin.Depth depth = queues.depth(pool);
        depthGauge(pool, "visible").set(depth.visible());
        depthGauge(pool, "inflight").set(depth.inflight());
        depthGauge(pool, "delayed").set(depth.delayed());
      } catch (RuntimeException e) {
        log.debug("Pool {}: cannot read the queue's depth: {}", pool, e.toString());
      }
    }
  }

  private AtomicLong gauge(Map<String, AtomicLong> gauges, String name, String pool) {
    return gauges.computeIfAbsent(
        pool,
        p -> {
          AtomicLong value = new AtomicLong();
          Gauge.builder(name, value, AtomicLong::get).tag("pool", p).register(registry);
          return value;
        });
  }

  private AtomicLong depthGauge(String pool, String state) {
    return depthGauges.computeIfAbsent(
        pool + "/" + state,
        k -> {
          AtomicLong value = new AtomicLong();
          Gauge.builder("fanout_queue_messages", value, AtomicLong::get)
              .tag("pool", pool)
              .tag("state", state)
              .register(registry);
          return value;
        });
  }

  private static String ref(Deployment d) {
    return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    jobInformers.forEach(SharedIndexInformer::close);
    if (deployments != null) {
      deployments.close();
    }
  }
}
