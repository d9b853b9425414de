package dev.fanout.worker;

import dev.fanout.common.queue.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The worker's meters, as Prometheus sees them: {@code fanout_tasks_total{outcome}}, {@code
 * fanout_deliveries_skipped_total{reason}}, {@code fanout_task_duration_seconds}, {@code
 * fanout_receive_latency_seconds}, {@code fanout_task_queue_wait_seconds}, {@code
 * fanout_tasks_running}, {@code fanout_outcomes_pending} and {@code
 * fanout_bad_messages_total{queue="tasks"}}, {@code fanout_job_reads_total} (Jobs read from the API
 * server, not the informer) and {@code fanout_tasks_handed_back_total{reason="shutdown",started}}
 * (tasks given back to the queue, their attempt not counted, by a stopping worker). The status
 * patcher adds {@code fanout_status_writes_total} and {@code fanout_status_conflicts_total}.
 */
final class WorkerMetrics {
  private final MeterRegistry registry;
  private final Map<Outcome.Kind, Counter> tasks = new EnumMap<>(Outcome.Kind.class);
  private final Timer taskDuration;
  private final Timer receiveLatency;
  private final Timer queueWait;
  private final AtomicInteger running = new AtomicInteger();
  private final Counter badMessages;
  private final Counter jobReads;
  private final Counter handedBackStarted;
  private final Counter handedBackUnstarted;

  WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Outcome.Kind kind : Outcome.Kind.values()) {
      tasks.put(
          kind,
          Counter.builder("fanout_tasks")
              .description("Task attempts by how they ended")
              .tag("outcome", kind.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    // A few buckets each, spanning what each measures, rather than Micrometer's ~70 per timer.
    taskDuration =
        Timer.builder("fanout_task_duration")
            .description("How long handlers ran")
            .serviceLevelObjectives(
                ms(10),
                ms(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10),
                Duration.ofMinutes(1),
                Duration.ofMinutes(10),
                Duration.ofHours(1),
                Duration.ofHours(12))
            .register(registry);
    receiveLatency =
        Timer.builder("fanout_receive_latency")
            .description("How long a ReceiveMessage call took, long polls included")
            .serviceLevelObjectives(
                ms(5),
                ms(25),
                ms(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(20))
            .register(registry);
    queueWait =
        Timer.builder("fanout_task_queue_wait")
            .description("From a message's sending to its receipt")
            .serviceLevelObjectives(
                ms(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10),
                Duration.ofMinutes(1),
                Duration.ofMinutes(10),
                Duration.ofHours(1))
            .register(registry);
    badMessages =
        Counter.builder("fanout_bad_messages")
            .description("Messages on the task queue that are not tasks, deleted unread")
            .tag("queue", "tasks")
            .register(registry);
    jobReads =
        Counter.builder("fanout_job_reads")
            .description("Jobs read from the API server because the informer did not hold them")
            .register(registry);
    handedBackStarted = handedBack(registry, true);
    handedBackUnstarted = handedBack(registry, false);
    Gauge.builder("fanout_tasks_running", running, AtomicInteger::get)
        .description("Handlers running now")
        .register(registry);
  }

  private static Counter handedBack(MeterRegistry registry, boolean started) {
    return Counter.builder("fanout_tasks_handed_back")
        .description(
            "Tasks a stopping worker gave back to the queue without counting the attempt: stopped"
                + " after the grace period (started) or never started")
        .tag("reason", "shutdown")
        .tag("started", Boolean.toString(started))
        .register(registry);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  void pendingOutcomes(Supplier<Number> pending) {
    Gauge.builder("fanout_outcomes_pending", pending)
        .description("Finished tasks waiting for their status write")
        .register(registry);
  }

  void attemptEnded(Outcome.Kind kind, long durationMillis) {
    tasks.get(kind).increment();
    taskDuration.record(Duration.ofMillis(durationMillis));
  }

  void handedBack(boolean started) {
    (started ? handedBackStarted : handedBackUnstarted).increment();
  }

  void skipped(String reason) {
    registry.counter("fanout_deliveries_skipped", "reason", reason).increment();
  }

  void badMessage() {
    badMessages.increment();
  }

  void jobRead() {
    jobReads.increment();
  }

  void received(long callNanos) {
    receiveLatency.record(Duration.ofNanos(callNanos));
  }

  void waited(long sentAtMillis, long receivedAtMillis) {
    if (sentAtMillis > 0 && receivedAtMillis >= sentAtMillis) {
      queueWait.record(Duration.ofMillis(receivedAtMillis - sentAtMillis));
    }
  }

  AtomicInteger running() {
    return running;
  }
}
