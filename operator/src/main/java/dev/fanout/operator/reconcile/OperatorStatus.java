package dev.fanout.operator.reconcile;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.status.JobStatusPatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status fields the operator owns, written as a JSON merge patch that carries only them, so it
 * never undoes a worker's write to the index sets.
 */
public record OperatorStatus(
    JobPhase phase,
    Integer total,
    String startTime,
    String completionTime,
    Long observedGeneration,
    List<JobCondition> conditions) {

  /** Same as the Job's status says, comparing conditions without their timestamps. */
  public boolean sameAs(JobStatus status) {
    if (status == null) {
      return false;
    }
    return phase == status.getPhase()
        && Objects.equals(total, status.getTotal())
        && Objects.equals(startTime, status.getStartTime())
        && Objects.equals(completionTime, status.getCompletionTime())
        && Objects.equals(observedGeneration, status.getObservedGeneration())
        && sameConditions(conditions, status.getConditions());
  }

  private static boolean sameConditions(List<JobCondition> a, List<JobCondition> b) {
    List<JobCondition> left = a == null ? List.of() : a;
    List<JobCondition> right = b == null ? List.of() : b;
    if (left.size() != right.size()) {
      return false;
    }
    for (int i = 0; i < left.size(); i++) {
      if (!left.get(i).sameAs(right.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the fields. Once the Job has a status, as a JSON Patch of {@code add} operations, which
   * replace what they name: the same as a merge patch on a real API server, but fabric8's mock
   * server merges lists by appending, and the conditions would pile up there.
   */
  public void write(KubernetesClient client, Job job) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    status.put("total", total);
    status.put("startTime", startTime);
    status.put("completionTime", completionTime);
    status.put("observedGeneration", observedGeneration);
    status.put("conditions", conditions);
    var resource =
        client
            .resource(
                JobStatusPatcher.target(
                    job.getMetadata().getNamespace(), job.getMetadata().getName()))
            .subresource("status");
    if (job.getStatus() == null) {
      resource.patch(
          PatchContext.of(PatchType.JSON_MERGE), Messages.encode(Map.of("status", status)));
      return;
    }
    List<Map<String, Object>> operations = new ArrayList<>();
    status.forEach(
        (field, value) -> {
          if (value != null) {
            operations.add(Map.of("op", "add", "path", "/status/" + field, "value", value));
          }
        });
    resource.patch(PatchContext.of(PatchType.JSON), Messages.encode(operations));
  }
}
