package dev.fanout.worker;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the messages this worker holds hidden from other workers, whether their task is running or
 * waiting for its status write: once a third of the queue's visibility timeout has passed since a
 * message was received or last extended, it is hidden for a full timeout again.
 */
final class Heartbeat implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
  private static final long TICK_MILLIS = 250;

  private final TaskQueue queue;
  private final QueueConnector connector;
  private final Clock clock;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("heartbeat").daemon().factory());

  /** A ReentrantLock, not a monitor: virtual threads untrack, and must not pin their carrier. */
  private final ReentrantLock beatLock = new ReentrantLock();

  private record Held(Delivery delivery, long dueMillis) {}

  Heartbeat(TaskQueue queue, QueueConnector connector, Clock clock) {
    this.queue = queue;
    this.connector = connector;
    this.clock = clock;
  }

  void start() {
    timer.scheduleWithFixedDelay(this::beat, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Keeps the delivery's message hidden; a message of several tasks once, for all of them. */
  void track(Delivery delivery) {
    Held h = new Held(delivery, delivery.receivedAtMillis() + periodMillis());
    if (delivery.packed() == null) {
      held.put(delivery.receiptHandle(), h);
    } else if (!delivery.packed().closed()) {
      held.putIfAbsent(delivery.receiptHandle(), h);
    }
  }

  /**
   * Stops extending the message. Waits for a heartbeat under way, so that none can undo a
   * visibility the caller sets next (a retry's backoff, say).
   */
  void untrack(Delivery delivery) {
    if (delivery.packed() != null && !delivery.packed().closed()) {
      return; // others of its tasks still hold the message
    }
    beatLock.lock();
    try {
      held.remove(delivery.receiptHandle());
    } finally {
      beatLock.unlock();
    }
  }

  private long periodMillis() {
    var endpoints = connector.endpoints();
    int visibility = endpoints == null ? 60 : endpoints.visibilitySeconds();
    return visibility * 1000L / 3;
  }

  void beat() {
    beatLock.lock();
    try {
      beatHeld();
    } finally {
      beatLock.unlock();
    }
  }

  private void beatHeld() {
    long now = clock.millis();
    List<Delivery> due = new ArrayList<>();
    for (Held h : held.values()) {
      Packed packed = h.delivery().packed();
      if (packed != null && packed.closed()) {
        held.remove(h.delivery().receiptHandle(), h); // settled in full: deleted, or going
      } else if (h.dueMillis() <= now) {
        due.add(h.delivery());
      }
    }
    if (due.isEmpty()) {
      return;
    }
    int visibility = connector.endpoints().visibilitySeconds();
    try {
      queue.extend(due, visibility);
    } catch (RuntimeException e) {
      log.warn("Cannot extend the visibility of {} messages: {}", due.size(), e.toString());
    }
    long next = now + periodMillis();
    for (Delivery d : due) {
      held.put(d.receiptHandle(), new Held(d, next));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
