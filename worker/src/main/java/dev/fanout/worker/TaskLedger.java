package dev.fanout.worker;

import dev.fanout.api.IndexSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This worker's own memory of tasks: which are in flight (running, or finished and waiting for
 * their status write), the copies of their messages that arrived meanwhile, and which tasks it has
 * recorded. A second delivery of a task in flight must not run beside it, nor be bounced back to
 * the queue again and again (each bounce is a receive, and receives lead to the dead-letter queue):
 * it waits here until the first one ends. One of a task just recorded must not run before the
 * informer shows the write.
 */
final class TaskLedger {
  /** Jobs remembered; the informer catches up within seconds, so recent Jobs are what matter. */
  private static final int MAX_JOBS = 1024;

  private record Key(String uid, int index) {}

  /** Tasks in flight here, each with the copies of its message that wait for it. */
  private final Map<Key, List<Delivery>> inFlight = new ConcurrentHashMap<>();

  private final AtomicInteger copies = new AtomicInteger();
  private final Map<String, IndexSet> recorded =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, IndexSet> eldest) {
          return size() > MAX_JOBS;
        }
      };

  /**
   * Claims the task for this delivery; or, when this worker already has the task in flight, keeps
   * the delivery as a copy that waits for it, and returns false.
   */
  boolean startOrHold(Delivery delivery) {
    Key key = new Key(delivery.task().jobUid(), delivery.task().index());
    boolean[] started = {false};
    inFlight.compute(
        key,
        (k, waiting) -> {
          if (waiting == null) {
            started[0] = true;
            return new ArrayList<>(0);
          }
          waiting.add(delivery);
          copies.incrementAndGet();
          return waiting;
        });
    return started[0];
  }

  /**
   * The attempt ended without a final outcome (a retry, a release): the task may come again.
   *
   * @return the copies that waited for it, now the caller's to let go
   */
  List<Delivery> abandon(String uid, int index) {
    return end(new Key(uid, index));
  }

  /**
   * The status now holds these indexes.
   *
   * @return the copies that waited for them, now the caller's to delete
   */
  List<Delivery> recorded(String uid, Collection<Integer> indexes) {
    synchronized (recorded) {
      recorded.merge(uid, IndexSet.of(indexes), IndexSet::union);
    }
    return endAll(uid, indexes);
  }

  IndexSet recorded(String uid) {
    synchronized (recorded) {
      return recorded.getOrDefault(uid, IndexSet.EMPTY);
    }
  }

  /**
   * The Job is gone: nothing of it will run or be recorded again.
   *
   * @return the copies that waited for these tasks, now the caller's to delete
   */
  List<Delivery> forget(String uid, Collection<Integer> indexes) {
    synchronized (recorded) {
      recorded.remove(uid);
    }
    return endAll(uid, indexes);
  }

  private List<Delivery> endAll(String uid, Collection<Integer> indexes) {
    List<Delivery> ended = new ArrayList<>(0);
    for (int index : indexes) {
      ended.addAll(end(new Key(uid, index)));
    }
    return ended;
  }

  private List<Delivery> end(Key key) {
    List<Delivery> waiting = inFlight.remove(key);
    if (waiting == null || waiting.isEmpty()) {
      return List.of();
    }
    copies.addAndGet(-waiting.size());
    return waiting;
  }

  int inFlight() {
    return inFlight.size();
  }

  /** Copies of messages waiting for their task to end here. */
  int heldCopies() {
    return copies.get();
  }
}
