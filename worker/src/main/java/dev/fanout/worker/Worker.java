package dev.fanout.worker;

import dev.fanout.common.health.HealthServer;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.status.JobStatusWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One running worker: wires the Job cache, the queues, the poller, the handlers and the status
 * writer, serves health and metrics, and shuts down in the order that loses no outcome.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  /** How long the last status writes at shutdown may take, after the grace period. */
  private static final Duration FINAL_FLUSH = Duration.ofSeconds(10);

  private final WorkerConfig config;
  private final KubernetesClient kube;
  private final SqsClient receiver;
  private final SqsClient sqs;
  private final PrometheusMeterRegistry registry;
  private final JobCache jobs;
  private final QueueConnector connector;
  private final Heartbeat heartbeat;
  private final StatusWriter writer;
  private final HandlerInvoker invoker;
  private final HandBack handBack;
  private final TaskPoller poller;
  private final HealthServer health;
  private volatile boolean closed;

  private Worker(WorkerConfig config, KubernetesClient kube) throws IOException {
    this.config = config;
    this.kube = kube;
    Clock clock = Clock.systemUTC();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    WorkerMetrics metrics = new WorkerMetrics(registry);
    receiver = SqsClients.create(config.sqs(), 2);
    sqs =
        SqsClients.create(config.sqs(), Math.min(256, config.concurrency() + 2 * TaskQueue.BATCH));
    jobs = new JobCache(kube, config.namespaces(), metrics::jobRead);
    connector = new QueueConnector(sqs, config.sqs().names(), config.pool());
    TaskQueue queue = new TaskQueue(receiver, sqs, connector);
    heartbeat = new Heartbeat(queue, connector, clock);
    TaskLedger ledger = new TaskLedger();
    writer =
        new StatusWriter(
            new JobStatusWriter(kube, registry)::record,
            jobs,
            queue,
            ledger,
            heartbeat,
            clock,
            config.statusFlush());
    metrics.pendingOutcomes(writer::pending);
    invoker = new HandlerInvoker(clock);
    jobs.onEnded(invoker::stopJob);
    handBack = new HandBack(queue, metrics, clock);
    var parts =
        new TaskRunner.Parts(
            jobs,
            HandlerRegistry.load(config),
            invoker,
            queue,
            heartbeat,
            writer,
            ledger,
            handBack,
            metrics);
    // The poller is made after the runner, which asks it whether the worker is stopping.
    TaskPoller[] pollerRef = new TaskPoller[1];
    TaskRunner runner =
        new TaskRunner(
            parts, config.workerId(), clock, () -> pollerRef[0].isStopping(), config.concurrency());
    TaskPoller.Backlog backlog =
        new TaskPoller.Backlog() {
          @Override
          public int size() {
            return writer.pending() + ledger.heldCopies();
          }

          @Override
          public void hurry() {
            writer.hurry();
          }

          @Override
          public int stretch() {
            return writer.backlogStretch();
          }
        };
    poller =
        new TaskPoller(
            connector,
            queue,
            runner,
            handBack,
            metrics,
            backlog,
            config.concurrency(),
            config.receiveWaitSeconds());
    pollerRef[0] = poller;
    health = new HealthServer(config.httpPort(), this::readiness, registry);
  }

  /** Builds the worker and starts it; it runs until {@link #shutdown()}. */
  public static Worker start(WorkerConfig config, KubernetesClient kube) throws IOException {
    Worker worker = new Worker(config, kube);
    worker.jobs.start();
    worker.heartbeat.start();
    worker.writer.start();
    worker.poller.start();
    log.info(
        "Worker {} started: pool {}, {} tasks at once, namespaces {}, HTTP port {}",
        config.workerId(),
        config.pool(),
        config.concurrency(),
        config.namespaces().isEmpty() ? "all" : String.join(",", config.namespaces()),
        worker.health.port());
    log.info("queue: {}", config.sqs().description());
    return worker;
  }

  /** Null when ready; else what is missing, for /readyz. */
  String readiness() {
    List<String> problems = new ArrayList<>();
    if (poller.isStopping()) {
      problems.add("shutting down");
    }
    String kubeProblem = jobs.problem();
    if (kubeProblem != null) {
      problems.add(kubeProblem);
    }
    String queueProblem = connector.problem();
    if (queueProblem != null) {
      problems.add(queueProblem);
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  public int httpPort() {
    return health.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Stops as SIGTERM asks (invariant 10, shutdown is not failure): no new task; what it holds but
   * has not started goes back to the queue at once, uncounted; running tasks get the grace period,
   * then are stopped and go back the same way; finished ones are written and their messages
   * deleted.
   */
  public synchronized void shutdown() {
    if (closed) {
      return;
    }
    closed = true;
    long start = System.nanoTime();
    log.info(
        "Shutting down: {} tasks running get {} s to finish",
        invoker.running(),
        config.shutdownGrace().toSeconds());
    try {
      poller.stop();
      if (!poller.awaitIdle(config.shutdownGrace())) {
        log.info("Grace period over; stopping {} running tasks", invoker.running());
        invoker.stopAll();
        // A handler that ignores its stop is abandoned after STOP_WAIT, and its task handed back.
        poller.awaitIdle(HandlerInvoker.STOP_WAIT.plusSeconds(5));
      }
      // The last long poll ends on its own (see TaskPoller.stop) and hands back what it brings.
      poller.join(Duration.ofSeconds(config.receiveWaitSeconds() + 5L));
      writer.drain(FINAL_FLUSH);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeAll();
    }
    HandBack.Tally tally = handBack.tally();
    log.info(
        "Worker {} stopped in {} ms: {} tasks finished within the grace period, {} handed back"
            + " unstarted, {} handed back stopped (their attempts not counted)",
        config.workerId(),
        (System.nanoTime() - start) / 1_000_000,
        tally.finished(),
        tally.unstarted(),
        tally.stopped());
  }

  /** Stops at once, writing and releasing nothing, as a killed pod would; for tests. */
  synchronized void crash() {
    if (closed) {
      return;
    }
    closed = true;
    // The clients first, so that nothing still running can delete or write anything.
    sqs.close();
    receiver.close();
    kube.close();
    poller.stop();
    writer.close();
    heartbeat.close();
    invoker.stopAll();
    poller.close();
    jobs.close();
    health.close();
  }

  private void closeAll() {
    receiver.close();
    heartbeat.close();
    writer.close();
    poller.close();
    jobs.close();
    health.close();
    sqs.close();
    kube.close();
    registry.close();
  }

  @Override
  public void close() {
    shutdown();
  }
}
