package dev.fanout.worker;

import dev.fanout.api.Job;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records finished tasks in their Job's status, one write per Job for everything finished since the
 * last flush; then, and only then, reports them to the operator and deletes their messages, so no
 * message goes before its outcome is durably in the status (invariant 2).
 */
final class StatusWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
  static final int FLUSH_THRESHOLD = 100;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  /** Writes a batch to a Job's status; {@link JobStatusWriter#record} in production. */
  @FunctionalInterface
  interface StatusRecorder {
    JobStatusWriter.Result record(
        String namespace, String name, String uid, int totalHint, Job cached, List<Finished> batch);
  }

  private final StatusRecorder recorder;
  private final JobCache jobs;
  private final TaskQueue queue;
  private final TaskLedger ledger;
  private final Heartbeat heartbeat;
  private final Clock clock;
  private final long intervalNanos;
  private final OutcomeBuffer buffer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ReentrantLock writing = new ReentrantLock();

  /** Outcomes taken out of the buffer for a write that has not ended yet. */
  private final AtomicInteger unwritten = new AtomicInteger();

  private volatile boolean running = true;
  private volatile boolean hurry;
  private Thread thread;

  StatusWriter(
      StatusRecorder recorder,
      JobCache jobs,
      TaskQueue queue,
      TaskLedger ledger,
      Heartbeat heartbeat,
      Clock clock,
      Duration interval) {
    this.recorder = recorder;
    this.jobs = jobs;
    this.queue = queue;
    this.ledger = ledger;
    this.heartbeat = heartbeat;
    this.clock = clock;
    this.intervalNanos = interval.toNanos();
    this.buffer = new OutcomeBuffer(interval.toMillis(), MAX_BACKOFF_MILLIS);
  }

  void start() {
    thread = Thread.ofPlatform().name("status-writer").daemon().start(this::loop);
  }

  void add(PendingOutcome outcome) {
    if (buffer.add(outcome) >= FLUSH_THRESHOLD) {
      signal();
    }
  }

  /** Writes what waits at once, not at the end of the interval: the poller waits for it. */
  void hurry() {
    hurry = true;
    signal();
  }

  private void signal() {
    lock.lock();
    try {
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Finished tasks not recorded yet: waiting for a write, or in one. */
  int pending() {
    return buffer.size() + unwritten.get();
  }

  private void loop() {
    boolean idle = false;
    while (running) {
      try {
        awaitFlush(idle);
      } catch (InterruptedException e) {
        return;
      }
      if (running) {
        idle = flush(buffer.drainDue(clock.millis())) == 0;
      }
    }
  }

  /** Waits out the interval, or less once 100 outcomes wait (unless they all wait out errors). */
  private void awaitFlush(boolean idle) throws InterruptedException {
    long deadline = System.nanoTime() + intervalNanos;
    lock.lock();
    try {
      long left;
      while (running
          && !hurry
          && (idle || buffer.size() < FLUSH_THRESHOLD)
          && (left = deadline - System.nanoTime()) > 0) {
        wake.awaitNanos(left);
      }
      hurry = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes what waits now, on the caller's thread, after any write under way. Before running a task
   * that may have killed a worker already, so that if it kills this one too, no outcome of a task
   * that finished here dies with it.
   */
  void flushNow() {
    flush(buffer.drainDue(clock.millis()));
  }

  /** Writes each batch; returns how many outcomes were settled. */
  private int flush(List<OutcomeBuffer.Batch> batches) {
    int count = batches.stream().mapToInt(b -> b.outcomes().size()).sum();
    unwritten.addAndGet(count);
    writing.lock();
    try {
      int settled = 0;
      for (OutcomeBuffer.Batch batch : batches) {
        try {
          if (write(batch)) {
            settled += batch.outcomes().size();
          }
        } finally {
          // Settled, or back in the buffer.
          unwritten.addAndGet(-batch.outcomes().size());
          count -= batch.outcomes().size();
        }
      }
      return settled;
    } finally {
      unwritten.addAndGet(-count);
      writing.unlock();
    }
  }

  private boolean write(OutcomeBuffer.Batch batch) {
    TaskMessage task = batch.outcomes().get(0).delivery().task();
    String ref = task.jobRef();
    List<Finished> finished = batch.outcomes().stream().map(PendingOutcome::finished).toList();
    List<Integer> indexes = finished.stream().map(Finished::index).toList();
    List<Delivery> deliveries = batch.outcomes().stream().map(PendingOutcome::delivery).toList();
    JobStatusWriter.Result result;
    long t0 = System.nanoTime();
    try {
      // The cached copy only helps when it is this Job: the patcher takes another UID as gone.
      Job cached = jobs.cached(task.namespace(), task.name());
      if (cached != null && !task.jobUid().equals(cached.getMetadata().getUid())) {
        cached = null;
      }
      result =
          recorder.record(
              task.namespace(), task.name(), task.jobUid(), task.total(), cached, finished);
    } catch (RuntimeException e) {
      // A conflict that outlasted the retries, or the API server is away: keep the outcomes.
      log.warn(
          "Job {}: cannot record {} finished tasks yet ({}); trying again",
          ref,
          finished.size(),
          e.getMessage());
      buffer.putBack(batch, clock.millis());
      return false;
    }
    if (result == JobStatusWriter.Result.GONE) {
      log.info("Job {}: gone; dropping {} finished tasks of it", ref, finished.size());
      deleteMessages(ref, ledger.forget(task.jobUid(), indexes));
      deleteMessages(ref, deliveries);
      return true;
    }
    if (result == JobStatusWriter.Result.FINISHED) {
      // The operator still hears of them: it records them in their task rows.
      log.info(
          "Job {}: already finished; {} tasks that ended since are not counted",
          ref,
          indexes.size());
    }
    long t1 = System.nanoTime();
    // The status holds these tasks: copies of their messages that waited for them can go.
    deleteMessages(ref, ledger.recorded(task.jobUid(), indexes));
    try {
      queue.sendOutcomes(batch.outcomes().stream().map(PendingOutcome::outcome).toList());
    } catch (RuntimeException e) {
      // The status holds them; the next try finds them UNCHANGED and sends again.
      log.warn("Job {}: cannot report {} outcomes yet ({})", ref, finished.size(), e.toString());
      buffer.putBack(batch, clock.millis());
      return false;
    }
    long t2 = System.nanoTime();
    deleteMessages(ref, deliveries);
    log.debug(
        "Job {}: recorded {} finished tasks ({}); status {} ms, outcomes {} ms, deletes {} ms",
        ref,
        finished.size(),
        result,
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (System.nanoTime() - t2) / 1_000_000);
    return true;
  }

  private void deleteMessages(String ref, List<Delivery> deliveries) {
    if (deliveries.isEmpty()) {
      return;
    }
    try {
      int refused = queue.deleteAll(deliveries);
      if (refused > 0) {
        // Their visibility ran out and another receipt holds them: they come back and are
        // dropped as duplicates.
        log.debug("Job {}: {} messages could not be deleted", ref, refused);
      }
    } catch (RuntimeException e) {
      log.warn("Job {}: cannot delete {} messages ({})", ref, deliveries.size(), e.toString());
    } finally {
      deliveries.forEach(heartbeat::untrack);
    }
  }

  /** Stops the loop, then writes what is left, retrying until done or {@code limit} passes. */
  void drain(Duration limit) throws InterruptedException {
    stopLoop();
    long deadline = System.nanoTime() + limit.toNanos();
    while (buffer.size() > 0 && System.nanoTime() < deadline) {
      flush(buffer.drainAll());
      if (buffer.size() > 0) {
        TimeUnit.MILLISECONDS.sleep(200);
      }
    }
    if (buffer.size() > 0) {
      log.warn(
          "Shutting down with {} finished tasks not recorded; their messages will come back",
          buffer.size());
    }
  }

  private void stopLoop() throws InterruptedException {
    running = false;
    lock.lock();
    try {
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread != null) {
      thread.join();
    }
  }

  /** Stops at once without writing anything, as a killed worker would. */
  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
