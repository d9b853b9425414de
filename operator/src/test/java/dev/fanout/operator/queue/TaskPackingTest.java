package dev.fanout.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.operator.db.TaskStore.PendingTask;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskPackingTest {
  private static Job job(String uid, String pool, Integer perMessage) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(uid).withNamespace("ns").withUid(uid).build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(1000));
    spec.setPool(pool);
    spec.setTasksPerMessage(perMessage);
    job.setSpec(spec);
    return job;
  }

  @Test
  void nothingKnownSendsTasksAloneAndASetSizeIsKept() {
    TaskPacking packing = new TaskPacking();
    assertThat(packing.size(job("a", "p", null))).isEqualTo(1);
    assertThat(packing.size(job("b", "p", 7))).isEqualTo(7);
  }

  @Test
  void aboutTwoHundredMillisecondsOfWorkAMessage() {
    assertThat(TaskPacking.forMean(0)).isEqualTo(100);
    assertThat(TaskPacking.forMean(1)).isEqualTo(100);
    assertThat(TaskPacking.forMean(5)).isEqualTo(40);
    assertThat(TaskPacking.forMean(50)).isEqualTo(4);
    assertThat(TaskPacking.forMean(150)).isEqualTo(1);
    assertThat(TaskPacking.forMean(60_000)).isEqualTo(1);
  }

  @Test
  void aJobLearnsFromEarlierJobsOfItsKindUntilItsOwnOutcomesAreEnough() {
    TaskPacking packing = new TaskPacking();
    Job quick = job("quick", "p", null);
    packing.track(quick);
    packing.observe("quick", 2);
    // A new Job of the same pool, handler, command and parameters starts from what they took.
    Job slow = job("slow", "p", null);
    packing.track(slow);
    assertThat(packing.size(slow)).isEqualTo(100);
    for (int i = 0; i < TaskPacking.JOB_SAMPLES; i++) {
      packing.observe("slow", 100);
    }
    assertThat(packing.size(slow)).isEqualTo(2);
    // Another pool, or other parameters or handler, know nothing of these.
    assertThat(packing.size(job("other", "q", null))).isEqualTo(1);
    Job longer = job("longer", "p", null);
    longer
        .getSpec()
        .setParameters(
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("ms", 300));
    assertThat(packing.size(longer)).isEqualTo(1);
    Job exec = job("exec", "p", null);
    exec.getSpec().setHandler("exec");
    exec.getSpec().setCommand(List.of("sleep", "300"));
    assertThat(packing.size(exec)).isEqualTo(1);
  }

  @Test
  void outcomesOfAForgottenOrUnknownJobTeachNothing() {
    TaskPacking packing = new TaskPacking();
    packing.observe("stranger", 1);
    Job job = job("a", "p", null);
    assertThat(packing.size(job)).isEqualTo(1);
    packing.track(job);
    packing.forget("a");
    packing.observe("a", 1);
    assertThat(packing.size(job)).isEqualTo(1);
  }

  @Test
  void messagesAreRunsOfConsecutiveIndexesWithTheSameAttemptsAndSendTime() {
    List<PendingTask> tasks = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      tasks.add(new PendingTask(i, null, false, 0));
    }
    tasks.add(new PendingTask(30, null, false, 0)); // a gap
    tasks.add(new PendingTask(31, null, true, 0)); // sent before, unconfirmed
    tasks.add(new PendingTask(32, null, true, 2)); // handed back after two attempts
    tasks.add(new PendingTask(33, null, true, 2));

    List<List<PendingTask>> messages = TaskFanout.pack(tasks, 10);

    assertThat(messages)
        .extracting(m -> m.get(0).index() + "-" + m.get(m.size() - 1).index())
        .containsExactly("0-9", "10-19", "20-24", "30-30", "31-31", "32-33");
    assertThat(TaskFanout.pack(tasks, 1)).hasSize(tasks.size());
  }

  @Test
  void largeItemsCutAMessageShortOfTheQueuesSizeLimit() {
    String item = "{\"blob\":\"" + "é".repeat(20 * 1024) + "\"}"; // 40 KiB in UTF-8
    List<PendingTask> tasks = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tasks.add(new PendingTask(i, item, false, 0));
    }
    List<List<PendingTask>> messages = TaskFanout.pack(tasks, 100);
    assertThat(messages).allSatisfy(m -> assertThat(m).hasSizeLessThanOrEqualTo(4));
    assertThat(messages.stream().mapToInt(List::size).sum()).isEqualTo(12);
  }
}
