package dev.fanout.worker;

import dev.fanout.api.Job;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records finished tasks in their Job's status, one write per Job for everything finished since the
 * last flush; then, and only then, reports them to the operator and deletes their messages, so no
 * message goes before its outcome is durably in the status (invariant 2). When other workers write
 * the same Job at the same time, a write that meets a conflict takes in what finished meanwhile,
 * and the Job's next write waits a gap that grows with the conflicts ({@link WritePacing}): more
 * workers then make fewer, larger writes rather than more refused ones (docs/status-writes.md).
 */
final class StatusWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
  static final int FLUSH_THRESHOLD = 100;

  /**
   * Tries of one write: a conflict is met again with a fresh read that takes in what finished
   * meanwhile, but not many times in a row: other workers are writing the Job, and trying again at
   * once only adds to the refused writes. After that the batch waits out the Job's pacing gap. A
   * Job that has a gap gets one try a write: its writers already contend, and a refused try there
   * counts as two conflicts (the gap doubles) rather than a read and a write more at once.
   */
  static final int WRITE_TRIES = 3;

  private static final long MAX_BACKOFF_MILLIS = 5_000;

  /**
   * The most a pacing gap multiplies a worker's backlog by: 8 × 400 outcomes at the defaults, a few
   * MiB and a few seconds of tiny tasks to run again should the worker die holding them.
   */
  static final int MAX_BACKLOG_STRETCH = 8;

  /**
   * Writes a batch to a Job's status in at most {@code tries} tries, asking for it on each (after a
   * conflict it may have grown); {@link JobStatusWriter#record} in production.
   */
  @FunctionalInterface
  interface StatusRecorder {
    JobStatusWriter.Result record(
        String namespace,
        String name,
        String uid,
        int totalHint,
        Job cached,
        int tries,
        Supplier<List<Finished>> batch);
  }

  private final StatusRecorder recorder;
  private final JobCache jobs;
  private final TaskQueue queue;
  private final TaskLedger ledger;
  private final Heartbeat heartbeat;
  private final Clock clock;
  private final long intervalNanos;
  private final OutcomeBuffer buffer;
  private final WritePacing pacing;
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
    this.pacing = new WritePacing(MAX_BACKOFF_MILLIS, new Random());
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

  /**
   * How many times its usual backlog the worker may hold now: more while a Job's writes wait out a
   * pacing gap, so that it goes on running tasks through the gap and its next write carries them
   * all; with many workers on one Job, fewer, larger writes are what lets the status keep up
   * (docs/status-writes.md). 1 when no Job has a gap; at most {@link #MAX_BACKLOG_STRETCH}.
   */
  int backlogStretch() {
    long gapNanos = TimeUnit.MILLISECONDS.toNanos(pacing.longest());
    return (int) Math.min(MAX_BACKLOG_STRETCH, 1 + gapNanos / intervalNanos);
  }

  /** Finished tasks not recorded yet: waiting for a write, or in one. */
  int pending() {
    return buffer.size() + unwritten.get();
  }

  private void loop() {
    while (running) {
      try {
        awaitFlush();
      } catch (InterruptedException e) {
        return;
      }
      if (running) {
        flush(buffer.drainDue(clock.millis()));
      }
    }
  }

  /**
   * Waits out the interval, or less once 100 outcomes wait or the poller hurries; then, if what
   * waits is all held back (a failed write's pause, or a Job's pacing gap), until the first of it
   * is due. Neither the threshold nor a hurry cuts a Job's gap short: the gap is how fast the API
   * server takes that Job's writes, and a full backlog makes the poller wait for it.
   */
  private void awaitFlush() throws InterruptedException {
    long deadline = System.nanoTime() + intervalNanos;
    lock.lock();
    try {
      while (running) {
        boolean ready =
            hurry || buffer.size() >= FLUSH_THRESHOLD || System.nanoTime() - deadline >= 0;
        if (!ready) {
          wake.awaitNanos(deadline - System.nanoTime());
          continue;
        }
        long next = buffer.nextDueMillis();
        if (next == Long.MAX_VALUE || next <= clock.millis()) {
          // Due now, or nothing waits (the interval starts again).
          break;
        }
        // Looked at again within an interval: another Job's outcomes may have come meanwhile.
        wake.awaitNanos(
            Math.min(intervalNanos, TimeUnit.MILLISECONDS.toNanos(next - clock.millis())));
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
    flush(buffer.drainUnpaced(clock.millis()));
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
          settled += write(batch);
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

  /** Writes the batch and what joins it; returns how many outcomes were settled. */
  private int write(OutcomeBuffer.Batch batch) {
    List<PendingOutcome> taken = new ArrayList<>(batch.outcomes());
    int[] tries = {0};
    try {
      return write(batch, taken, tries);
    } finally {
      // Those that joined the write are settled, or back in the buffer, by now.
      unwritten.addAndGet(batch.outcomes().size() - taken.size());
    }
  }

  private int write(OutcomeBuffer.Batch batch, List<PendingOutcome> taken, int[] tries) {
    TaskMessage task = batch.outcomes().get(0).delivery().task();
    String ref = task.jobRef();
    String uid = batch.jobUid();
    // Each try after the first has met a conflict and reads the Job again: it takes in what
    // finished meanwhile, so batches grow while writers contend.
    Supplier<List<Finished>> finished =
        () -> {
          if (tries[0]++ > 0) {
            List<PendingOutcome> more = buffer.take(uid);
            unwritten.addAndGet(more.size());
            taken.addAll(more);
          }
          return taken.stream().map(PendingOutcome::finished).toList();
        };
    JobStatusWriter.Result result;
    long t0 = System.nanoTime();
    try {
      // No cached copy while writers contend: it is likely stale, and a stale copy costs a
      // refused write. (A copy of another Job of that name, the recorder reads past.)
      boolean contended = pacing.gap(uid) > 0;
      Job cached = contended ? null : jobs.cached(task.namespace(), task.name());
      result =
          recorder.record(
              task.namespace(),
              task.name(),
              task.jobUid(),
              task.total(),
              cached,
              contended ? 1 : WRITE_TRIES,
              finished);
    } catch (JobStatusWriter.ConflictException e) {
      // Other workers' writes came first every time: not an error, the Job is busy. The outcomes
      // wait, with what comes meanwhile, for the Job's gap to pass.
      pace(uid, Math.max(2, tries[0]));
      log.debug("Job {}: {} finished tasks wait for a quieter moment", ref, taken.size());
      buffer.putBackContended(new OutcomeBuffer.Batch(uid, taken, batch.failures()));
      return 0;
    } catch (RuntimeException e) {
      // The API server is away, or refuses: keep the outcomes.
      log.warn(
          "Job {}: cannot record {} finished tasks yet ({}); trying again",
          ref,
          taken.size(),
          e.getMessage());
      buffer.putBack(new OutcomeBuffer.Batch(uid, taken, batch.failures()), clock.millis());
      return 0;
    }
    List<Integer> indexes = taken.stream().map(o -> o.finished().index()).toList();
    List<Delivery> deliveries = taken.stream().map(PendingOutcome::delivery).toList();
    if (result == JobStatusWriter.Result.GONE) {
      pacing.forget(uid);
      log.info("Job {}: gone; dropping {} finished tasks of it", ref, taken.size());
      deleteMessages(ref, ledger.forget(task.jobUid(), indexes));
      deleteMessages(ref, deliveries);
      return taken.size();
    }
    if (result == JobStatusWriter.Result.FINISHED) {
      pacing.forget(uid);
      // The operator still hears of them: it records them in their task rows.
      log.info(
          "Job {}: already finished; {} tasks that ended since are not counted",
          ref,
          indexes.size());
    } else {
      pace(uid, tries[0] - 1);
    }
    long t1 = System.nanoTime();
    // The status holds these tasks: copies of their messages that waited for them can go.
    deleteMessages(ref, ledger.recorded(task.jobUid(), indexes));
    try {
      queue.sendOutcomes(taken.stream().map(PendingOutcome::outcome).toList());
    } catch (RuntimeException e) {
      // The status holds them; the next try finds them UNCHANGED and sends again.
      log.warn("Job {}: cannot report {} outcomes yet ({})", ref, taken.size(), e.toString());
      buffer.putBack(new OutcomeBuffer.Batch(uid, taken, batch.failures()), clock.millis());
      return 0;
    }
    long t2 = System.nanoTime();
    deleteMessages(ref, deliveries);
    log.debug(
        "Job {}: recorded {} finished tasks ({}, {} tries); status {} ms, outcomes {} ms, deletes"
            + " {} ms",
        ref,
        taken.size(),
        result,
        tries[0],
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (System.nanoTime() - t2) / 1_000_000);
    return taken.size();
  }

  /** Holds the Job's next write back by the gap its conflicts call for. */
  private void pace(String uid, int conflicts) {
    long gap = pacing.afterWrite(uid, conflicts);
    if (gap > 0) {
      buffer.holdUntil(uid, clock.millis() + gap);
    }
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
