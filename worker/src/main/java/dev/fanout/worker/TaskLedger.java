package dev.fanout.worker;

import dev.fanout.api.IndexSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This worker's own memory of tasks: which are in flight (running, or finished and waiting for
 * their status write) and which it has recorded. A second delivery of a task in flight must not run
 * beside it, and one of a task just recorded must not run before the informer shows the write.
 */
final class TaskLedger {
  /** Jobs remembered; the informer catches up within seconds, so recent Jobs are what matter. */
  private static final int MAX_JOBS = 1024;

  private record Key(String uid, int index) {}

  private final Set<Key> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, IndexSet> recorded =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, IndexSet> eldest) {
          return size() > MAX_JOBS;
        }
      };

  /** Claims the task; false when this worker already has it in flight. */
  boolean tryStart(String uid, int index) {
    return inFlight.add(new Key(uid, index));
  }

  /** The attempt ended without a final outcome (a retry, a release): the task may come again. */
  void abandon(String uid, int index) {
    inFlight.remove(new Key(uid, index));
  }

  /** The status now holds these indexes. */
  void recorded(String uid, Collection<Integer> indexes) {
    synchronized (recorded) {
      recorded.merge(uid, IndexSet.of(indexes), IndexSet::union);
    }
    for (int index : indexes) {
      inFlight.remove(new Key(uid, index));
    }
  }

  IndexSet recorded(String uid) {
    synchronized (recorded) {
      return recorded.getOrDefault(uid, IndexSet.EMPTY);
    }
  }

  /** The Job is gone: nothing of it will run or be recorded again. */
  void forget(String uid, Collection<Integer> indexes) {
    synchronized (recorded) {
      recorded.remove(uid);
    }
    for (int index : indexes) {
      inFlight.remove(new Key(uid, index));
    }
  }

  int inFlight() {
    return inFlight.size();
  }
}
