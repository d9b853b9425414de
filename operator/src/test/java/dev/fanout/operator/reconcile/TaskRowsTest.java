package dev.fanout.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskRowsTest {
  static JobSpec spec() {
    JobSpec spec = new JobSpec();
    spec.setHandler("exec");
    spec.setCommand(List.of("sh", "-c", "true"));
    spec.setTasks(TaskSource.ofCount(6));
    spec.setParameters(JsonNodeFactory.instance.objectNode().put("size", 3));
    return spec;
  }

  @Test
  void theFingerprintFitsTheColumnAndStaysTheSameForTheSameSpec() {
    String hash = TaskRows.immutableHash(spec());
    assertThat(hash).hasSize(64).isEqualTo(TaskRows.immutableHash(spec()));
  }

  @Test
  void anEditIsNamedFieldByField() {
    String stored = TaskRows.immutableHash(spec());
    JobSpec edited = spec();
    assertThat(TaskRows.changedFields(stored, edited)).isEmpty();

    edited.setHandler("noop");
    assertThat(TaskRows.changedFields(stored, edited)).containsExactly("spec.handler");

    edited.setPool("gpu");
    edited.setTasks(TaskSource.ofCount(7));
    assertThat(TaskRows.changedFields(stored, edited))
        .containsExactly("spec.handler", "spec.tasks", "spec.pool");
  }

  @Test
  void mutableFieldsAreNoEdit() {
    String stored = TaskRows.immutableHash(spec());
    JobSpec edited = spec();
    edited.setSuspend(true);
    edited.setParallelism(2);
    edited.setActiveDeadlineSeconds(60L);
    edited.setTtlSecondsAfterFinished(10);
    assertThat(TaskRows.changedFields(stored, edited)).isEmpty();
  }

  @Test
  void aRecordWithTheEarlierSingleHashStillMatchesItsSpecAndNamesEveryFieldWhenItDiffers() {
    java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("handler", "exec");
    fields.put("tasks", TaskSource.ofCount(6));
    fields.put("parameters", JsonNodeFactory.instance.objectNode().put("size", 3));
    fields.put("command", List.of("sh", "-c", "true"));
    fields.put("pool", "default");
    String earlier = TaskRows.sha256Hex(fields);
    assertThat(earlier).hasSize(64).doesNotContain(".");
    assertThat(TaskRows.changedFields(earlier, spec())).isEmpty();
    JobSpec edited = spec();
    edited.setHandler("noop");
    assertThat(TaskRows.changedFields(earlier, edited))
        .containsExactly(
            "spec.handler", "spec.tasks", "spec.parameters", "spec.command", "spec.pool");
  }
}
