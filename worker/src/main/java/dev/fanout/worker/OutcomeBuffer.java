package dev.fanout.worker;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Final outcomes waiting for their status write, coalesced per Job UID so that one write records
 * everything a worker finished for that Job since the last one. A batch whose write failed comes
 * back and waits a growing pause before it is tried again. Thread-safe; no I/O.
 */
final class OutcomeBuffer {
  private final long baseBackoffMillis;
  private final long maxBackoffMillis;
  private final Map<String, Bucket> byJob = new LinkedHashMap<>();
  private int size;

  /** The outcomes of one Job taken out for a write; {@code failures} writes failed before. */
  record Batch(String jobUid, List<PendingOutcome> outcomes, int failures) {}

  private static final class Bucket {
    final List<PendingOutcome> items = new ArrayList<>();
    int failures;
    long retryAtMillis;
  }

  OutcomeBuffer(long baseBackoffMillis, long maxBackoffMillis) {
    this.baseBackoffMillis = baseBackoffMillis;
    this.maxBackoffMillis = maxBackoffMillis;
  }

  /** Adds an outcome and returns how many are now waiting. */
  synchronized int add(PendingOutcome outcome) {
    byJob.computeIfAbsent(outcome.jobUid(), uid -> new Bucket()).items.add(outcome);
    return ++size;
  }

  synchronized int size() {
    return size;
  }

  /** Takes out every Job's outcomes that are not waiting out a failed write. */
  synchronized List<Batch> drainDue(long nowMillis) {
    List<Batch> due = new ArrayList<>();
    for (Iterator<Map.Entry<String, Bucket>> it = byJob.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Bucket> entry = it.next();
      Bucket bucket = entry.getValue();
      if (bucket.retryAtMillis <= nowMillis) {
        due.add(new Batch(entry.getKey(), List.copyOf(bucket.items), bucket.failures));
        size -= bucket.items.size();
        it.remove();
      }
    }
    return due;
  }

  /** Takes out everything, paused or not: the last flush at shutdown. */
  synchronized List<Batch> drainAll() {
    return drainDue(Long.MAX_VALUE);
  }

  /**
   * Returns a batch whose write failed, ahead of what arrived for the Job since, to be tried again
   * after a pause that doubles with each failure.
   */
  synchronized void putBack(Batch batch, long nowMillis) {
    Bucket bucket = byJob.computeIfAbsent(batch.jobUid(), uid -> new Bucket());
    bucket.items.addAll(0, batch.outcomes());
    bucket.failures = batch.failures() + 1;
    int shift = Math.min(bucket.failures - 1, 20);
    bucket.retryAtMillis = nowMillis + Math.min(maxBackoffMillis, baseBackoffMillis << shift);
    size += batch.outcomes().size();
  }
}
