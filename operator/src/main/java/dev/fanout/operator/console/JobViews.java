package dev.fanout.operator.console;

import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import dev.fanout.operator.db.TaskPages;
import dev.fanout.operator.db.TaskState;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** How Jobs and task rows look in the console's JSON: the list item, the detail, a task. */
final class JobViews {
  /** The API's names of the task states. */
  static final Map<TaskState, String> STATE_NAMES =
      Map.of(
          TaskState.PENDING, "Pending",
          TaskState.SENT, "Sent",
          TaskState.SUCCEEDED, "Succeeded",
          TaskState.FAILED, "Failed",
          TaskState.NOT_RUN, "NotRun");

  private JobViews() {}

  /** The state a {@code state} parameter names, in any case; a 400 naming the states otherwise. */
  static TaskState parseState(String value) {
    for (Map.Entry<TaskState, String> e : STATE_NAMES.entrySet()) {
      if (e.getValue().toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT))) {
        return e.getKey();
      }
    }
    String allowed =
        Arrays.stream(TaskState.values()).map(STATE_NAMES::get).collect(Collectors.joining(", "));
    throw new ApiError(400, "state must be one of " + allowed + ", was \"" + value + "\"");
  }

  /** The list item: what a row of the Jobs table shows. */
  static Map<String, Object> item(Job job) {
    JobStatus status = job.getStatus();
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("namespace", job.getMetadata().getNamespace());
    item.put("name", job.getMetadata().getName());
    item.put("uid", job.getMetadata().getUid());
    item.put("handler", job.getSpec() == null ? null : job.getSpec().getHandler());
    item.put("pool", job.getSpec() == null ? null : job.getSpec().effectivePool());
    item.put(
        "phase", status == null || status.getPhase() == null ? null : status.getPhase().name());
    item.put("total", status == null ? null : status.getTotal());
    item.put("succeeded", status == null ? null : status.getSucceeded());
    item.put("failed", status == null ? null : status.getFailed());
    item.put("progress", status == null ? null : status.getProgress());
    item.put("startTime", status == null ? null : status.getStartTime());
    item.put("completionTime", status == null ? null : status.getCompletionTime());
    return item;
  }

  /**
   * The list item plus the labels, spec, index sets, conditions, failures and the
   * finished-over-time curve.
   */
  static Map<String, Object> detail(Job job, List<long[]> throughput) {
    Map<String, Object> detail = item(job);
    JobStatus status = job.getStatus();
    detail.put("labels", job.getMetadata().getLabels());
    detail.put("spec", job.getSpec());
    // The index sets, for the console's "Retry failed tasks" (RetryJob's tasks.indexes).
    detail.put("completedIndexes", status == null ? null : status.getCompletedIndexes());
    detail.put("failedIndexes", status == null ? null : status.getFailedIndexes());
    detail.put("conditions", status == null ? List.of() : nullToEmpty(status.getConditions()));
    detail.put("failures", status == null ? List.of() : nullToEmpty(status.getFailures()));
    detail.put("throughput", throughput);
    return detail;
  }

  /**
   * A deleted Job from what the operator kept of it: the same fields as far as the record and the
   * rows tell them, {@code deletedAt}, and no spec (it went with the Job).
   */
  static Map<String, Object> history(
      TaskPages.JobHistory job, Map<TaskState, Long> counts, List<long[]> throughput) {
    Map<String, Object> detail = new LinkedHashMap<>();
    long succeeded = counts.getOrDefault(TaskState.SUCCEEDED, 0L);
    long failed = counts.getOrDefault(TaskState.FAILED, 0L);
    detail.put("namespace", job.namespace());
    detail.put("name", job.name());
    detail.put("uid", job.uid());
    detail.put("handler", null);
    detail.put("pool", job.pool());
    detail.put("phase", job.phase());
    detail.put("total", job.total());
    detail.put("succeeded", succeeded);
    detail.put("failed", failed);
    detail.put("progress", (succeeded + failed) + "/" + job.total());
    detail.put("startTime", text(job.createdAt()));
    detail.put("completionTime", text(job.finishedAt()));
    detail.put("deletedAt", text(job.deletedAt()));
    detail.put("spec", null);
    detail.put("conditions", List.of());
    detail.put("failures", List.of());
    detail.put("throughput", throughput);
    return detail;
  }

  static Map<String, Object> task(TaskPages.Task t) {
    Map<String, Object> task = new LinkedHashMap<>();
    task.put("index", t.index());
    task.put("state", STATE_NAMES.get(t.state()));
    task.put("attempts", t.attempts());
    task.put("startedAt", text(t.startedAt()));
    task.put("finishedAt", text(t.finishedAt()));
    task.put("durationMillis", t.durationMillis());
    task.put("error", t.error());
    task.put("result", t.result());
    return task;
  }

  private static String text(Instant at) {
    return at == null ? null : at.toString();
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
