package dev.fanout.worker;

import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * One worker's status path as {@link Worker} wires it (its own Kubernetes client, Job informer,
 * {@link JobStatusWriter}, {@link StatusWriter}, task queue, ledger and heartbeat), without the
 * poller and the handlers: the test hands it finished tasks and holds back as the poller does at
 * its backlog limit. Public so that kube-tests can run many against a real API server.
 */
public final class StatusPath implements AutoCloseable {
  /** The backlog at which a worker with the default concurrency stops receiving. */
  public static final int BACKLOG_LIMIT =
      TaskPoller.backlogLimit(Integer.parseInt(WorkerConfig.CONCURRENCY.defaultText()));

  private static final Clock CLOCK = Clock.systemUTC();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final JobCache jobs;
  private final StatusWriter writer;
  private final String id;

  public StatusPath(
      String id, KubernetesClient kube, SqsClient sqs, String queuePrefix, String namespace)
      throws InterruptedException {
    this.id = id;
    QueueConnector connector = new QueueConnector(sqs, new QueueNames(queuePrefix), "default");
    connector.await(() -> false);
    TaskQueue queue = new TaskQueue(sqs, sqs, connector);
    jobs = new JobCache(kube, List.of(namespace), () -> {});
    writer =
        new StatusWriter(
            new JobStatusWriter(kube, registry)::record,
            jobs,
            queue,
            new TaskLedger(),
            new Heartbeat(queue, connector, CLOCK),
            CLOCK,
            Duration.ofMillis(Long.parseLong(WorkerConfig.STATUS_FLUSH_MS.defaultText())));
  }

  /**
   * Starts the status writer, and the Job informer unless {@code informer} is false (then every
   * write reads the Job first: what a worker does anyway while its writes meet conflicts).
   */
  public void start(boolean informer) {
    if (informer) {
      jobs.start();
    }
    writer.start();
  }

  /**
   * Hands over the received task as succeeded, as the task runner does; first waits, as the poller
   * does, while the backlog is at its limit (stretched while a write waits out a pacing gap).
   */
  public void finish(Message message) throws InterruptedException {
    while (writer.pending() >= BACKLOG_LIMIT * writer.backlogStretch()) {
      writer.hurry();
      TimeUnit.MILLISECONDS.sleep(50);
    }
    Delivery d = Delivery.of(message, CLOCK.millis());
    var t = d.task();
    Outcome outcome =
        new Outcome(
            t.jobUid(),
            t.namespace(),
            t.name(),
            t.index(),
            d.attempt(),
            Outcome.Kind.SUCCEEDED,
            null,
            null,
            null,
            d.receivedAtMillis(),
            0,
            id);
    writer.add(new PendingOutcome(d, Finished.success(t.index(), d.attempt()), outcome));
  }

  /** Finished tasks not in the status yet. */
  public int pending() {
    return writer.pending();
  }

  /** Status writes this worker made (its own count; the API server's is the one reported). */
  public double writes() {
    return count("fanout_status_writes");
  }

  public double conflicts() {
    return count("fanout_status_conflicts");
  }

  private double count(String name) {
    Counter counter = registry.find(name).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Writes what is left, as a worker shutting down does. */
  public void drain(Duration limit) throws InterruptedException {
    writer.drain(limit);
  }

  @Override
  public void close() {
    writer.close();
    jobs.close();
  }
}
