package dev.fanout.worker;

import dev.fanout.api.JobSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Long-polls the pool's queue and starts each task it receives, holding a slot per task: it never
 * asks for more messages than it has free slots, so nothing it receives waits behind other tasks
 * while its visibility timeout runs. Nor does it receive while {@link #backlogLimit} finished tasks
 * wait for their status write: when the API server cannot be written, the worker stops taking tasks
 * rather than pile up messages it cannot settle.
 */
final class TaskPoller {
  private static final Logger log = LoggerFactory.getLogger(TaskPoller.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** How many times its concurrency in unsettled messages a worker holds beyond running tasks. */
  static final int BACKLOG_FACTOR = 4;

  /**
   * At least one status write's worth, and a few messages of packed tasks: a lower limit would make
   * a worker with few slots and short tasks write the status several times as often (measured: 78
   * writes per 1,000 noop tasks with 4 slots, against 17), or stop receiving while each write of a
   * few packed messages is under way; the API server's load matters more than a few hundred held
   * outcomes.
   */
  static final int MIN_BACKLOG =
      Math.max(StatusWriter.FLUSH_THRESHOLD, 4 * JobSpec.TASKS_PER_MESSAGE_LIMIT);

  private static final long BACKLOG_CHECK_MILLIS = 50;

  private final QueueConnector connector;
  private final TaskQueue queue;
  private final TaskRunner runner;
  private final HandBack handBack;
  private final WorkerMetrics metrics;
  private final int waitSeconds;
  private final Backlog backlog;
  private final int backlogLimit;
  private final Semaphore slots;
  private final AtomicInteger active = new AtomicInteger();
  private final ExecutorService runners;
  private volatile boolean stopping;
  private Thread thread;

  /** The messages this worker holds that wait on something other than a slot. */
  interface Backlog {
    /** Finished tasks not recorded yet, and copies waiting for their task to end here. */
    int size();

    /** The poller waits for the backlog: write now rather than at the end of the interval. */
    void hurry();

    /** How many times its limit the backlog may be now (a status write's pacing gap): 1 or more. */
    default int stretch() {
      return 1;
    }
  }

  TaskPoller(
      QueueConnector connector,
      TaskQueue queue,
      TaskRunner runner,
      HandBack handBack,
      WorkerMetrics metrics,
      Backlog backlog,
      int concurrency,
      int waitSeconds) {
    this.connector = connector;
    this.queue = queue;
    this.runner = runner;
    this.handBack = handBack;
    this.metrics = metrics;
    this.backlog = backlog;
    this.backlogLimit = backlogLimit(concurrency);
    this.waitSeconds = waitSeconds;
    this.slots = new Semaphore(concurrency);
    // Virtual threads: a runner mostly waits (on SQS, the API server, or its handler's thread).
    this.runners =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("runner-", 0).factory());
  }

  void start() {
    thread = Thread.ofPlatform().name("task-poller").start(this::loop);
  }

  boolean isStopping() {
    return stopping;
  }

  private void loop() {
    try {
      while (!stopping) {
        if (connector.await(() -> stopping) == null) {
          return;
        }
        pollUntilLost();
      }
    } catch (InterruptedException e) {
      // Stopping.
    } finally {
      log.info("Stopped receiving tasks from {}", connector.tasksName());
    }
  }

  private void pollUntilLost() throws InterruptedException {
    Duration pause = FIRST_PAUSE;
    while (!stopping) {
      if (!awaitBacklogBelowLimit()) {
        return;
      }
      int wanted = acquireSlots();
      if (wanted == 0) {
        return;
      }
      // Checked again with the slots in hand: tasks that ended meanwhile joined the backlog. The
      // running ones may still join it: at most the concurrency more.
      int room = limit() - backlog.size();
      if (room < wanted) {
        slots.release(wanted - Math.max(0, room));
        if (room <= 0) {
          continue;
        }
        wanted = room;
      }
      List<Message> messages;
      long start = System.nanoTime();
      try {
        messages = queue.receive(wanted, waitSeconds);
        connector.answered();
        pause = FIRST_PAUSE;
      } catch (QueueDoesNotExistException e) {
        slots.release(wanted);
        log.warn("Queue {} no longer exists; waiting for it again", connector.tasksName());
        return;
      } catch (RuntimeException e) {
        slots.release(wanted);
        if (stopping) {
          return;
        }
        connector.unreachable(e);
        log.warn("Cannot receive from {} ({}); again in {} s", connector.tasksName(), e, pause);
        QueueConnector.pause(pause, () -> stopping);
        pause =
            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
                ? LONGEST_PAUSE
                : pause.multipliedBy(2);
        continue;
      }
      metrics.received(System.nanoTime() - start);
      slots.release(wanted - messages.size());
      if (stopping) {
        handBack.unstarted(messages);
        slots.release(messages.size());
        return;
      }
      for (Message message : messages) {
        active.incrementAndGet();
        try {
          runners.execute(
              () -> {
                try {
                  runner.handle(message);
                } finally {
                  active.decrementAndGet();
                  slots.release();
                }
              });
        } catch (RejectedExecutionException e) {
          // The worker was torn down under us: the message comes back after its timeout.
          active.decrementAndGet();
          slots.release();
        }
      }
    }
  }

  /** The backlog at which the worker stops receiving now. */
  private int limit() {
    return backlogLimit * Math.max(1, backlog.stretch());
  }

  /**
   * Finished tasks waiting for their status write at which the worker stops receiving, while no
   * status write waits out a pacing gap ({@link Backlog#stretch}).
   */
  static int backlogLimit(int concurrency) {
    return Math.max(BACKLOG_FACTOR * concurrency, MIN_BACKLOG);
  }

  /**
   * Waits while the backlog is at its limit; false when stopping first. A backlog that does not
   * shrink means the status cannot be written: the API server is away, or refuses.
   */
  private boolean awaitBacklogBelowLimit() throws InterruptedException {
    if (backlog.size() < limit()) {
      return true;
    }
    backlog.hurry();
    long since = System.nanoTime();
    boolean told = false;
    while (!stopping) {
      int size = backlog.size();
      if (size < limit()) {
        if (told) {
          log.info("Receiving tasks again: {} finished tasks wait for their status write", size);
        }
        return true;
      }
      if (!told && System.nanoTime() - since > TimeUnit.SECONDS.toNanos(1)) {
        log.warn(
            "Not receiving tasks: {} finished tasks wait for their status write (at most {})",
            size,
            limit());
        told = true;
      }
      TimeUnit.MILLISECONDS.sleep(BACKLOG_CHECK_MILLIS);
      backlog.hurry();
    }
    return false;
  }

  /** Waits for at least one free slot, then takes up to ten; 0 when stopping first. */
  private int acquireSlots() throws InterruptedException {
    while (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
      if (stopping) {
        return 0;
      }
    }
    int taken = 1;
    while (taken < TaskQueue.BATCH && slots.tryAcquire()) {
      taken++;
    }
    return taken;
  }

  /**
   * Stops receiving. A long poll under way is left to end: cut short, it would live on in the
   * server and take messages that arrive for the rest of its wait to nobody, until their visibility
   * timeout, and count the receipt as an attempt. What it brings is handed back, uncounted.
   */
  void stop() {
    stopping = true;
  }

  /** Waits until no task is running or being admitted; false when {@code limit} passed first. */
  boolean awaitIdle(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (active.get() > 0) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return true;
  }

  void join(Duration limit) throws InterruptedException {
    if (thread != null) {
      thread.join(limit);
    }
  }

  void close() {
    runners.shutdownNow();
  }
}
