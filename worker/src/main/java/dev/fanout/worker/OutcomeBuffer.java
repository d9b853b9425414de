package dev.fanout.worker;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Final outcomes waiting for their status write, coalesced per Job UID so that one write records
 * everything a worker finished for that Job since the last one. A batch whose write failed comes
 * back and waits a growing pause before it is tried again; a Job whose writes meet conflicts is
 * held back for the gap {@link WritePacing} sets. Thread-safe; no I/O.
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
    long pacedUntilMillis;

    long dueAtMillis(boolean paced) {
      return paced ? Math.max(retryAtMillis, pacedUntilMillis) : retryAtMillis;
    }
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

  /** Takes out every Job's outcomes that are not waiting out a failed write or a pacing gap. */
  synchronized List<Batch> drainDue(long nowMillis) {
    return drain(nowMillis, true);
  }

  /** Takes out every Job's outcomes that are not waiting out a failed write, paced or not. */
  synchronized List<Batch> drainUnpaced(long nowMillis) {
    return drain(nowMillis, false);
  }

  private List<Batch> drain(long nowMillis, boolean paced) {
    List<Batch> due = new ArrayList<>();
    for (Iterator<Map.Entry<String, Bucket>> it = byJob.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Bucket> entry = it.next();
      Bucket bucket = entry.getValue();
      if (bucket.dueAtMillis(paced) <= nowMillis) {
        if (!bucket.items.isEmpty()) {
          due.add(new Batch(entry.getKey(), List.copyOf(bucket.items), bucket.failures));
          size -= bucket.items.size();
        }
        it.remove();
      }
    }
    return due;
  }

  /**
   * When the next Job's outcomes may be written: now or earlier when some are due, {@link
   * Long#MAX_VALUE} when none wait.
   */
  synchronized long nextDueMillis() {
    long next = Long.MAX_VALUE;
    for (Bucket bucket : byJob.values()) {
      if (!bucket.items.isEmpty()) {
        next = Math.min(next, bucket.dueAtMillis(true));
      }
    }
    return next;
  }

  /**
   * Takes out what waits for that Job now, held back or not: a write of the Job under way takes it
   * in when it has to read the Job again anyway.
   */
  synchronized List<PendingOutcome> take(String jobUid) {
    Bucket bucket = byJob.get(jobUid);
    if (bucket == null || bucket.items.isEmpty()) {
      return List.of();
    }
    List<PendingOutcome> taken = List.copyOf(bucket.items);
    bucket.items.clear();
    size -= taken.size();
    return taken;
  }

  /**
   * Returns a batch whose write lost to other writers' every time, ahead of what arrived for the
   * Job since: not a failure, so no error pause; the Job's pacing gap says when it goes again.
   */
  synchronized void putBackContended(Batch batch) {
    Bucket bucket = byJob.computeIfAbsent(batch.jobUid(), uid -> new Bucket());
    bucket.items.addAll(0, batch.outcomes());
    bucket.failures = Math.max(bucket.failures, batch.failures());
    size += batch.outcomes().size();
  }

  /** Holds the Job's outcomes, present and to come, back until then (they still count in size). */
  synchronized void holdUntil(String jobUid, long untilMillis) {
    Bucket bucket = byJob.computeIfAbsent(jobUid, uid -> new Bucket());
    bucket.pacedUntilMillis = Math.max(bucket.pacedUntilMillis, untilMillis);
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
