package dev.fanout.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskSource;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobPhasesTest {
  static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

  static JobSpec spec(int total, int maxFailed, Long deadline, boolean suspend) {
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(total));
    spec.setMaxFailedTasks(maxFailed);
    spec.setActiveDeadlineSeconds(deadline);
    spec.setSuspend(suspend);
    return spec;
  }

  static JobStatus status(String completed, String failed) {
    JobStatus status = new JobStatus();
    status.setCompletedIndexes(completed);
    status.setFailedIndexes(failed);
    return status;
  }

  @ParameterizedTest(
      name = "{0}/{1} done of 10, maxFailed {2}, deadline {3}, suspend {4}, t+{5}s -> {6} {7}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "NULL, NULL, 0, NULL, false, 0, Running, NULL",
        "0-4, NULL, 0, NULL, false, 0, Running, NULL",
        "0-9, NULL, 0, NULL, false, 0, Succeeded, AllTasksFinished",
        "0-8, 9, 0, NULL, false, 0, Failed, MaxFailedTasksExceeded",
        "0-8, 9, 1, NULL, false, 0, Succeeded, AllTasksFinished",
        "0-3, 4-5, 1, NULL, false, 0, Failed, MaxFailedTasksExceeded",
        "0-3, 4, 1, NULL, false, 0, Running, NULL",
        "0-3, NULL, 0, 60, false, 59, Running, NULL",
        "0-3, NULL, 0, 60, false, 60, Failed, DeadlineExceeded",
        "0-9, NULL, 0, 60, false, 61, Succeeded, AllTasksFinished",
        "0-3, NULL, 0, NULL, true, 0, Suspended, JobSuspended",
        "0-3, NULL, 0, 60, true, 600, Suspended, JobSuspended",
        "0-3, 4-9, 0, NULL, true, 0, Failed, MaxFailedTasksExceeded",
      })
  void decidesThePhaseFromTheIndexSets(
      String completed,
      String failed,
      int maxFailed,
      Long deadline,
      boolean suspend,
      int seconds,
      JobPhase phase,
      String reason) {
    JobPhases.Decision d =
        JobPhases.decide(
            spec(10, maxFailed, deadline, suspend),
            status(completed, failed),
            List.of(),
            START,
            START.plusSeconds(seconds));
    assertThat(d.phase()).isEqualTo(phase);
    assertThat(d.reason()).isEqualTo(reason);
  }

  @Test
  void anInvalidSpecFailsWithItsProblems() {
    JobPhases.Decision d =
        JobPhases.decide(spec(10, 0, null, false), null, List.of("spec.x is bad"), null, START);
    assertThat(d)
        .isEqualTo(new JobPhases.Decision(JobPhase.Failed, "InvalidSpec", "spec.x is bad"));
  }

  @Test
  void aFinishedJobStaysFinishedWhateverComesLater() {
    JobStatus status = status("0-9", null);
    status.setPhase(JobPhase.Succeeded);
    JobCondition complete = new JobCondition("Complete", "True", "AllTasksFinished", "done");
    status.setConditions(List.of(complete));
    JobPhases.Decision d =
        JobPhases.decide(spec(10, 0, 1L, true), status, List.of(), START, START.plusSeconds(99));
    assertThat(d.phase()).isEqualTo(JobPhase.Succeeded);
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilStatusOrReasonChanges() {
    JobPhases.Decision suspended = new JobPhases.Decision(JobPhase.Suspended, "JobSuspended", "x");
    List<JobCondition> first = JobPhases.conditions(suspended, null, START);
    assertThat(first)
        .singleElement()
        .extracting(JobCondition::getLastTransitionTime)
        .isEqualTo(START.toString());

    List<JobCondition> again = JobPhases.conditions(suspended, first, START.plusSeconds(30));
    assertThat(again.get(0).getLastTransitionTime()).isEqualTo(START.toString());

    JobPhases.Decision running = new JobPhases.Decision(JobPhase.Running, null, null);
    List<JobCondition> resumed = JobPhases.conditions(running, again, START.plusSeconds(60));
    assertThat(resumed)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("Suspended");
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("JobResumed");
              assertThat(c.getLastTransitionTime()).isEqualTo(START.plusSeconds(60).toString());
            });
  }

  @org.junit.jupiter.api.Test
  void aTaskFailedByAFailJobRuleFailsTheJobAtOnceNamingTheRuleAndTheTask() {
    JobStatus status = status("0-3", "7,9");
    status.setFailures(
        java.util.List.of(
            new dev.fanout.api.TaskFailure(9, 1, "Error", "exit code 1: no"),
            new dev.fanout.api.TaskFailure(
                7,
                1,
                "FailurePolicy",
                "exit code 42 matched spec.failurePolicy.rules[0] (FailJob); exit code 42: bad")));

    JobPhases.Decision decision =
        JobPhases.decide(spec(100, 10, null, false), status, java.util.List.of(), START, START);

    assertThat(decision.phase()).isEqualTo(JobPhase.Failed);
    assertThat(decision.reason()).isEqualTo("FailurePolicy");
    assertThat(decision.message())
        .isEqualTo(
            "task 7 failed: exit code 42 matched spec.failurePolicy.rules[0] (FailJob); exit code"
                + " 42: bad");
  }

  @org.junit.jupiter.api.Test
  void aJobWithTasksIndexesSucceedsOnceThoseIndexesFinished() {
    JobSpec spec = spec(50, 0, null, false);
    spec.getTasks().setIndexes("3,17,40-41");
    assertThat(
            JobPhases.decide(spec, status("3,17,40", null), java.util.List.of(), START, START)
                .phase())
        .isEqualTo(JobPhase.Running);
    JobPhases.Decision done =
        JobPhases.decide(spec, status("3,17,40-41", null), java.util.List.of(), START, START);
    assertThat(done.phase()).isEqualTo(JobPhase.Succeeded);
    assertThat(done.message()).isEqualTo("all 4 tasks succeeded");
  }
}
