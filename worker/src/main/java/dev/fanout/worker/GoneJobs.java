package dev.fanout.worker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UIDs of Jobs this worker saw deleted or replaced, the most recent few thousand: a leftover
 * message of such a Job is dropped without asking the API server about it again.
 */
final class GoneJobs {
  /** A UID takes about a hundred bytes here: a few hundred KiB at most. */
  static final int CAPACITY = 4096;

  private final Map<String, Boolean> uids =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > CAPACITY;
        }
      };

  /**
   * That Job is deleted, or replaced by another of the same name; a UID is never reused, so it
   * stays gone.
   */
  synchronized void add(String uid, boolean replaced) {
    if (uid != null) {
      uids.merge(uid, replaced, Boolean::logicalOr);
    }
  }

  /** Null when not known gone; else whether it was replaced (rather than just deleted). */
  synchronized Boolean replaced(String uid) {
    return uids.get(uid);
  }
}
