package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.IndexSet;
import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskSource;
import dev.fanout.worker.Admission.Decision;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdmissionTest {
  private static final String UID = "uid-1";

  static Job job(Consumer<Job> change) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("j").withUid(UID).build());
    job.setSpec(new JobSpec());
    job.getSpec().setTasks(TaskSource.ofCount(10));
    job.setStatus(new JobStatus());
    change.accept(job);
    return job;
  }

  static Arguments row(String name, Job job, int attempt, IndexSet local, Decision expected) {
    return Arguments.of(name, job, attempt, local, expected);
  }

  static List<Arguments> cases() {
    IndexSet none = IndexSet.EMPTY;
    return List.of(
        row("runs", job(j -> {}), 1, none, Decision.RUN),
        row("runs without status", job(j -> j.setStatus(null)), 1, none, Decision.RUN),
        row("runs the last attempt", job(j -> {}), 3, none, Decision.RUN),
        row("no Job", null, 1, none, Decision.JOB_GONE),
        row(
            "being deleted",
            job(j -> j.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z")),
            1,
            none,
            Decision.JOB_GONE),
        row(
            "another UID",
            job(j -> j.getMetadata().setUid("uid-2")),
            1,
            none,
            Decision.JOB_REPLACED),
        row(
            "an index past the Job's tasks",
            job(j -> j.getSpec().setTasks(TaskSource.ofCount(7))),
            1,
            none,
            Decision.NO_SUCH_TASK),
        row(
            "an index past the Job's tasks, finished",
            job(
                j -> {
                  j.getSpec().setTasks(TaskSource.ofCount(7));
                  j.getStatus().setPhase(JobPhase.Succeeded);
                }),
            1,
            none,
            Decision.NO_SUCH_TASK),
        row(
            "a Job without tasks",
            job(j -> j.getSpec().setTasks(null)),
            1,
            none,
            Decision.NO_SUCH_TASK),
        row(
            "Complete",
            job(
                j ->
                    j.getStatus()
                        .setConditions(
                            List.of(new JobCondition(JobCondition.COMPLETE, "True", "Done", "")))),
            1,
            none,
            Decision.JOB_FINISHED),
        row(
            "Failed condition",
            job(
                j ->
                    j.getStatus()
                        .setConditions(
                            List.of(new JobCondition(JobCondition.FAILED, "True", "X", "")))),
            1,
            none,
            Decision.JOB_FINISHED),
        row(
            "Complete False",
            job(
                j ->
                    j.getStatus()
                        .setConditions(
                            List.of(new JobCondition(JobCondition.COMPLETE, "False", "", "")))),
            1,
            none,
            Decision.RUN),
        row(
            "phase Succeeded",
            job(j -> j.getStatus().setPhase(JobPhase.Succeeded)),
            1,
            none,
            Decision.JOB_FINISHED),
        row(
            "phase Failed",
            job(j -> j.getStatus().setPhase(JobPhase.Failed)),
            1,
            none,
            Decision.JOB_FINISHED),
        row(
            "completed already",
            job(j -> j.getStatus().setCompletedIndexes("0-3,7")),
            1,
            none,
            Decision.ALREADY_RECORDED),
        row(
            "failed already",
            job(j -> j.getStatus().setFailedIndexes("7")),
            1,
            none,
            Decision.ALREADY_RECORDED),
        row(
            "other indexes done",
            job(j -> j.getStatus().setCompletedIndexes("0-6,8")),
            1,
            none,
            Decision.RUN),
        row("recorded here", job(j -> {}), 1, IndexSet.of(7), Decision.ALREADY_RECORDED),
        row("suspended", job(j -> j.getSpec().setSuspend(true)), 1, none, Decision.SUSPENDED),
        row(
            "suspended but done",
            job(
                j -> {
                  j.getSpec().setSuspend(true);
                  j.getStatus().setCompletedIndexes("7");
                }),
            1,
            none,
            Decision.ALREADY_RECORDED),
        row("attempts used up", job(j -> {}), 4, none, Decision.WORKER_LOST),
        row(
            "attempts used up, suspended",
            job(j -> j.getSpec().setSuspend(true)),
            4,
            none,
            Decision.SUSPENDED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(String name, Job job, int attempt, IndexSet local, Decision expected) {
    assertThat(Admission.decide(job, UID, 7, attempt, 3, local)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void onlyDropsWhatCanNeverRun(String name, Job job, int attempt, IndexSet local, Decision d) {
    assertThat(d.dropsMessage())
        .isEqualTo(d != Decision.RUN && d != Decision.SUSPENDED && d != Decision.WORKER_LOST);
  }

  @org.junit.jupiter.api.Test
  void workerLostMessageSaysWhy() {
    assertThat(Admission.workerLostMessage(4, 3))
        .isEqualTo("attempt 4 of 3: earlier attempts died with their worker");
  }
}
