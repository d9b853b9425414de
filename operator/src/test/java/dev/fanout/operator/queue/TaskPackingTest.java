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
  void aJobOfAnUnknownKindSendsAProbeAloneAndTheRestWhenItsOutcomesAreIn() {
    TaskPacking packing = new TaskPacking();
    Job job = job("a", "p", null);
    packing.track(job);
    assertThat(packing.room(job, 1_000)).isEqualTo(TaskPacking.PROBE_TASKS);
    assertThat(packing.size(job)).isEqualTo(1);
    packing.sent("a", TaskPacking.PROBE_TASKS);
    assertThat(packing.room(job, 1_100)).isZero();
    assertThat(packing.waitLeft(job, 1_500)).isEqualTo(TaskPacking.PROBE_WAIT_MILLIS - 500);
    for (int i = 1; i < TaskPacking.JOB_SAMPLES; i++) {
      assertThat(packing.observe("a", 2)).as("outcome %d", i).isFalse();
      assertThat(packing.room(job, 1_200)).isZero();
    }
    assertThat(packing.observe("a", 2)).as("the outcome the probe waited for").isTrue();
    assertThat(packing.room(job, 1_200)).isEqualTo(Integer.MAX_VALUE);
    assertThat(packing.waitLeft(job, 1_200)).isZero();
    assertThat(packing.size(job)).isEqualTo(100);
    assertThat(packing.observe("a", 2)).isFalse();
    // The next Job of the kind goes by it at once, with no probe.
    Job next = job("b", "p", null);
    packing.track(next);
    assertThat(packing.room(next, 5_000)).isEqualTo(Integer.MAX_VALUE);
    assertThat(packing.size(next)).isEqualTo(100);
  }

  @Test
  void aProbeWaitsTwoSecondsAtMostThenGoesByWhatItLearned() {
    TaskPacking packing = new TaskPacking();
    Job slow = job("slow", "p", null);
    packing.track(slow);
    assertThat(packing.room(slow, 0)).isEqualTo(TaskPacking.PROBE_TASKS);
    packing.sent("slow", TaskPacking.PROBE_TASKS);
    packing.observe("slow", 90);
    packing.observe("slow", 110);
    assertThat(packing.room(slow, TaskPacking.PROBE_WAIT_MILLIS - 1)).isZero();
    assertThat(packing.room(slow, TaskPacking.PROBE_WAIT_MILLIS)).isEqualTo(Integer.MAX_VALUE);
    assertThat(packing.size(slow)).isEqualTo(2);
    // Nothing back at all in that time (tasks longer than the wait, or no worker yet): alone.
    Job silent = job("silent", "q", null);
    packing.track(silent);
    assertThat(packing.room(silent, 0)).isEqualTo(TaskPacking.PROBE_TASKS);
    packing.sent("silent", TaskPacking.PROBE_TASKS);
    assertThat(packing.room(silent, 1)).isZero();
    assertThat(packing.room(silent, TaskPacking.PROBE_WAIT_MILLIS)).isEqualTo(Integer.MAX_VALUE);
    assertThat(packing.size(silent)).isEqualTo(1);
    // A Job whose size is set is never probed.
    Job set = job("set", "r", 5);
    packing.track(set);
    assertThat(packing.room(set, 0)).isEqualTo(Integer.MAX_VALUE);
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
    assertThat(packing.size(quick)).isEqualTo(100);
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
  void onlyTheMostRecentlyUsedKindsAreKept() {
    TaskPacking packing = new TaskPacking();
    for (int i = 0; i <= TaskPacking.MAX_KINDS; i++) {
      Job job = job("job-" + i, "pool-" + i, null);
      packing.track(job);
      packing.observe("job-" + i, 2);
      // The first kind stays in use, so the second is the one to go.
      assertThat(packing.size(job("again-" + i, "pool-0", null))).isEqualTo(100);
    }
    assertThat(packing.size(job("new-1", "pool-1", null))).isEqualTo(1);
    assertThat(packing.size(job("new-2", "pool-2", null))).isEqualTo(100);
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
