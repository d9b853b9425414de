package dev.fanout.common.status;

import dev.fanout.api.IndexSet;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status fields workers own, and the pure merge of finished tasks into them. Each task counts
 * once: an index already in either set keeps its first verdict.
 */
public record WorkerFields(
    IndexSet completed, IndexSet failedSet, int total, List<TaskFailure> failures) {

  public static WorkerFields of(JobStatus status, int totalHint) {
    if (status == null) {
      return new WorkerFields(IndexSet.EMPTY, IndexSet.EMPTY, totalHint, List.of());
    }
    int total = status.getTotal() != null ? status.getTotal() : totalHint;
    List<TaskFailure> failures = status.getFailures() == null ? List.of() : status.getFailures();
    return new WorkerFields(status.completed(), status.failedSet(), total, failures);
  }

  public WorkerFields merge(List<Finished> batch) {
    IndexSet done = completed.union(failedSet);
    List<Integer> succeededNow = new ArrayList<>();
    List<TaskFailure> failuresNow = new ArrayList<>();
    List<Integer> failedNow = new ArrayList<>();
    for (Finished f : batch) {
      if (done.contains(f.index())) {
        continue;
      }
      done = done.with(f.index());
      if (f.succeeded()) {
        succeededNow.add(f.index());
      } else {
        failedNow.add(f.index());
        failuresNow.add(new TaskFailure(f.index(), f.attempts(), f.reason(), f.message()));
      }
    }
    if (succeededNow.isEmpty() && failedNow.isEmpty()) {
      return this;
    }
    List<TaskFailure> keptFailures = new ArrayList<>(failures);
    keptFailures.addAll(failuresNow);
    keptFailures = capped(keptFailures);
    return new WorkerFields(
        completed.union(IndexSet.of(succeededNow)),
        failedSet.union(IndexSet.of(failedNow)),
        total,
        List.copyOf(keptFailures));
  }

  /**
   * The newest {@link JobStatus#MAX_FAILURES} failures, but the first that failed the Job by its
   * failure policy stays whatever follows it: the operator reads the Job's verdict from it, and may
   * see the status only after many more failures.
   */
  static List<TaskFailure> capped(List<TaskFailure> failures) {
    if (failures.size() <= JobStatus.MAX_FAILURES) {
      return failures;
    }
    TaskFailure verdict =
        failures.stream()
            .filter(f -> Reasons.FAILURE_POLICY.equals(f.getReason()))
            .findFirst()
            .orElse(null);
    List<TaskFailure> kept = new ArrayList<>();
    int keep = verdict == null ? JobStatus.MAX_FAILURES : JobStatus.MAX_FAILURES - 1;
    for (int i = failures.size() - 1; i >= 0 && kept.size() < keep; i--) {
      if (failures.get(i) != verdict) {
        kept.add(failures.get(i));
      }
    }
    if (verdict != null) {
      kept.add(verdict);
    }
    java.util.Collections.reverse(kept);
    return kept;
  }

  public int succeeded() {
    return completed.count();
  }

  public int failed() {
    return failedSet.count();
  }

  public String progress() {
    return (succeeded() + failed()) + "/" + total;
  }

  /** The fields as a JSON merge patch of {@code status}; empty sets are left out. */
  public Map<String, Object> asStatusPatch() {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("completedIndexes", completed.isEmpty() ? null : completed.format());
    status.put("failedIndexes", failedSet.isEmpty() ? null : failedSet.format());
    status.put("succeeded", succeeded());
    status.put("failed", failed());
    status.put("progress", progress());
    status.put("failures", failures.isEmpty() ? null : failures);
    return status;
  }

  /** Same as what the status already says, so there is nothing to write. */
  public boolean sameAs(JobStatus status) {
    WorkerFields current = of(status, total);
    return current.completed.equals(completed)
        && current.failedSet.equals(failedSet)
        && status != null
        && Objects.equals(status.getSucceeded(), succeeded())
        && Objects.equals(status.getFailed(), failed())
        && Objects.equals(status.getProgress(), progress())
        && Objects.equals(current.failures, failures);
  }
}
