package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskFailure;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskRow;
import dev.fanout.operator.db.TaskState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A Job's life as a user steers it (suspend, deadline, TTL, deletion, edits) and ends it (too many
 * failures), with the real operator and two real workers: what the status, the conditions and the
 * task rows say, and, through a file each task appends to, what actually ran. The task rows are on
 * PostgreSQL when the tests have one (CI), else on H2; the dead-letter case always on H2.
 */
class LifecycleIT {
  static final Duration WAIT = Duration.ofSeconds(60);

  /** The line an {@code exec} task writes to a file: its index, then its shell's pid. */
  private static final String RECORD = "echo $FANOUT_TASK_INDEX $$ >> ";

  static LocalFanout fanout;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    Awaitility.setDefaultTimeout(WAIT);
    fanout = new LocalFanout(2, 3, 100, TestDatabase.postgresOrH2());
    System.out.printf(
        "LifecycleIT: task rows on %s%n", fanout.database.isPostgres() ? "PostgreSQL" : "H2");
    // Warm-up, so the first test's timings are not the JIT's and the informers': one small Job.
    fanout.create(LocalFanout.job("warm-up", "noop", 6));
    awaitPhase("warm-up", JobPhase.Succeeded);
  }

  @AfterAll
  static void stop() {
    Awaitility.reset();
    fanout.close();
  }

  /** A Job whose tasks run {@code sh -c script}. */
  static Job exec(String name, int count, String script) {
    Job job = LocalFanout.job(name, "exec", count);
    job.getSpec().setCommand(List.of("sh", "-c", script));
    return job;
  }

  /** The lines tasks wrote to the file, in order. */
  static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The task indexes recorded in the file (first word of each line), one per run. */
  static List<Integer> runs(Path file) {
    return lines(file).stream().map(l -> Integer.parseInt(l.split(" ")[0])).toList();
  }

  static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  static JobStatus status(String name) {
    return fanout.get(name).getStatus();
  }

  static void awaitPhase(String name, JobPhase phase) {
    await().until(() -> fanout.phase(name) == phase);
  }

  static Map<TaskState, Long> states(String uid) {
    return fanout.operator.store().countByState(uid);
  }

  static List<TaskRow> rows(String uid, Predicate<TaskRow> which) {
    return fanout.operator.store().rows(uid).stream().filter(which).toList();
  }

  /**
   * The tasks that ran while their Job ended were stopped, and each one's row says so; every other
   * task that did not finish is a NOT_RUN row.
   */
  static void assertStoppedAndNotRun(String uid, Set<Integer> stopped, long notRun) {
    await()
        .untilAsserted(
            () -> {
              for (TaskRow row : rows(uid, r -> stopped.contains(r.getTaskIndex()))) {
                assertThat(row.getState())
                    .as("row %d", row.getTaskIndex())
                    .isEqualTo(TaskState.FAILED);
                assertThat(row.getLastError()).startsWith("JobEnded: stopped after ");
              }
              assertThat(states(uid).get(TaskState.NOT_RUN)).isEqualTo(notRun);
            });
  }

  @Test
  void aSuspendedJobStartsNoTaskLetsTheRunningOnesFinishAndResumesToCompletion() {
    Path started = dir.resolve("started");
    Path done = dir.resolve("done");
    Job job = exec("pause", 12, RECORD + started + "; sleep 1; echo $FANOUT_TASK_INDEX >> " + done);
    job.getSpec().setParallelism(3);
    String uid = fanout.create(job).getMetadata().getUid();
    await().until(() -> !lines(started).isEmpty());

    fanout.edit("pause", spec -> spec.setSuspend(true));

    awaitPhase("pause", JobPhase.Suspended);
    JobCondition suspended = status("pause").condition(JobCondition.SUSPENDED);
    assertThat(suspended.getStatus()).isEqualTo("True");
    assertThat(suspended.getReason()).isEqualTo("JobSuspended");
    // What was running finishes and counts.
    await()
        .untilAsserted(
            () -> {
              assertThat(runs(done)).hasSameSizeAs(runs(started));
              assertThat(status("pause").getSucceeded()).isEqualTo(runs(done).size());
            });
    int ran = runs(started).size();
    assertThat(ran).isLessThan(12);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> runs(started).size() == ran && fanout.phase("pause") == JobPhase.Suspended);

    fanout.edit("pause", spec -> spec.setSuspend(false));

    awaitPhase("pause", JobPhase.Succeeded);
    assertThat(runs(done)).containsExactlyInAnyOrderElementsOf(range(0, 12));
    assertThat(runs(started)).containsExactlyInAnyOrderElementsOf(range(0, 12));
    JobStatus status = status("pause");
    assertThat(status.getCompletedIndexes()).isEqualTo("0-11");
    assertThat(status.isTrue(JobCondition.COMPLETE)).isTrue();
    JobCondition resumed = status.condition(JobCondition.SUSPENDED);
    assertThat(resumed.getStatus()).isEqualTo("False");
    assertThat(resumed.getReason()).isEqualTo("JobResumed");
    await().until(() -> states(uid).equals(Map.of(TaskState.SUCCEEDED, 12L)));
  }

  @Test
  void suspendingAndResumingAgainAndAgainLosesAndDuplicatesNothing() {
    Path file = dir.resolve("runs");
    Job job = exec("toggle", 30, RECORD + file + "; sleep 0.3");
    job.getSpec().setParallelism(4);
    String uid = fanout.create(job).getMetadata().getUid();

    for (int round = 0; round < 4 && fanout.phase("toggle") != JobPhase.Succeeded; round++) {
      int before = runs(file).size();
      await()
          .until(() -> runs(file).size() > before || fanout.phase("toggle") == JobPhase.Succeeded);
      fanout.edit("toggle", spec -> spec.setSuspend(true));
      await()
          .until(
              () -> {
                JobPhase phase = fanout.phase("toggle");
                return phase == JobPhase.Suspended || phase == JobPhase.Succeeded;
              });
      fanout.edit("toggle", spec -> spec.setSuspend(false));
      await().until(() -> fanout.phase("toggle") != JobPhase.Suspended);
    }

    awaitPhase("toggle", JobPhase.Succeeded);
    assertThat(runs(file))
        .as("each task ran once")
        .containsExactlyInAnyOrderElementsOf(range(0, 30));
    JobStatus status = status("toggle");
    assertThat(status.getCompletedIndexes()).isEqualTo("0-29");
    assertThat(status.getSucceeded()).isEqualTo(30);
    assertThat(status.getFailed()).isZero();
    await()
        .untilAsserted(
            () -> {
              List<TaskRow> rows = rows(uid, r -> true);
              assertThat(rows)
                  .allSatisfy(r -> assertThat(r.getState()).isEqualTo(TaskState.SUCCEEDED));
              // Put back while suspended costs no attempt.
              assertThat(rows).allSatisfy(r -> assertThat(r.getAttempts()).isEqualTo(1));
            });
  }

  @Test
  void tooManyFailedTasksFailTheJobAtOnceStopItsRunningTasksAndLeaveTheRestNotRun() {
    Path file = dir.resolve("runs");
    Job job =
        exec(
            "failing",
            40,
            RECORD
                + file
                + "; if [ $FANOUT_TASK_INDEX -lt 2 ]; then echo broken; exit 3; fi; exec sleep 300");
    job.getSpec().setParallelism(4);
    job.getSpec().setMaxAttempts(1);
    job.getSpec().setMaxFailedTasks(1);
    String uid = fanout.create(job).getMetadata().getUid();

    awaitPhase("failing", JobPhase.Failed);
    JobStatus status = status("failing");
    JobCondition failed = status.condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("MaxFailedTasksExceeded");
    assertThat(failed.getMessage()).startsWith("2 tasks failed");
    assertThat(status.getFailedIndexes()).isEqualTo("0-1");
    assertThat(status.getFailures()).extracting(TaskFailure::getReason).containsOnly("Error");

    // Nothing more is sent or run; what was running is stopped; the queued messages go.
    await().until(() -> fanout.depth("default") == 0);
    List<Integer> ran = runs(file);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> runs(file).equals(ran));
    assertThat(ran).doesNotHaveDuplicates().contains(0, 1).hasSizeLessThan(40);
    Set<Integer> stopped = ran.stream().filter(i -> i >= 2).collect(Collectors.toUnmodifiableSet());
    assertStoppedAndNotRun(uid, stopped, 40L - ran.size());
    await()
        .untilAsserted(
            () ->
                assertThat(rows(uid, r -> r.getTaskIndex() < 2))
                    .allSatisfy(
                        r -> {
                          assertThat(r.getState()).isEqualTo(TaskState.FAILED);
                          assertThat(r.getLastError()).contains("exit code 3", "broken");
                        }));
    status = status("failing");
    assertThat(status.getFailed()).as("stopped tasks are not counted").isEqualTo(2);
    assertThat(status.getSucceeded()).isZero();
  }

  @Test
  void aJobPastItsActiveDeadlineFailsOnTimeAndItsRunningTasksAreStopped() {
    Path file = dir.resolve("runs");
    Job job = exec("deadline", 8, RECORD + file + "; exec sleep 300");
    job.getSpec().setActiveDeadlineSeconds(4L);
    String uid = fanout.create(job).getMetadata().getUid();
    await().until(() -> runs(file).size() == 6);

    awaitPhase("deadline", JobPhase.Failed);
    JobStatus status = status("deadline");
    JobCondition failed = status.condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("DeadlineExceeded");
    assertThat(failed.getMessage()).contains("spec.activeDeadlineSeconds (4 s)");
    Duration ran =
        Duration.between(
            Instant.parse(status.getStartTime()), Instant.parse(status.getCompletionTime()));
    System.out.printf("activeDeadlineSeconds 4: failed %d ms after its start%n", ran.toMillis());
    assertThat(ran).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(9));

    Set<Integer> started = Set.copyOf(runs(file));
    assertThat(started).hasSize(6);
    assertStoppedAndNotRun(uid, started, 8L - 6);
    await().until(() -> fanout.depth("default") == 0);
    assertThat(Set.copyOf(runs(file))).isEqualTo(started);
    assertThat(status("deadline").getFailedIndexes()).as("stopped tasks are not counted").isNull();
    assertThat(status("deadline").getCompletedIndexes()).isNull();
  }

  @Test
  void theDeadlineDoesNotRunWhileAJobIsSuspendedAndCountsAfreshFromItsResumption() {
    Path file = dir.resolve("held-runs");
    Job job = exec("held", 2, RECORD + file + "; exec sleep 300");
    job.getSpec().setActiveDeadlineSeconds(3L);
    job.getSpec().setSuspend(true);
    fanout.create(job);
    awaitPhase("held", JobPhase.Suspended);

    // Held twice as long as the deadline: a deadline that counted the suspension would fire.
    await()
        .during(Duration.ofSeconds(6))
        .atMost(Duration.ofSeconds(8))
        .until(() -> status("held").getPhase() == JobPhase.Suspended);
    assertThat(runs(file)).as("tasks run while suspended").isEmpty();

    Instant resumed = Instant.now();
    fanout.edit("held", spec -> spec.setSuspend(false));
    awaitPhase("held", JobPhase.Failed);
    JobStatus status = status("held");
    assertThat(status.condition(JobCondition.FAILED).getReason()).isEqualTo("DeadlineExceeded");
    Instant start = Instant.parse(status.getStartTime());
    Duration ran = Duration.between(resumed, Instant.parse(status.getCompletionTime()));
    System.out.printf(
        "activeDeadlineSeconds 3, resumed after 6 s: failed %d ms after the resume%n",
        ran.toMillis());
    assertThat(start)
        .as("startTime, reset on resumption")
        .isAfterOrEqualTo(resumed.minusSeconds(1));
    assertThat(ran).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
  }

  @Test
  void aFinishedJobIsDeletedTtlSecondsAfterItsCompletionAndItsRowsStayMarked() {
    Job job = LocalFanout.job("short-lived", "noop", 3);
    job.getSpec().setTtlSecondsAfterFinished(2);
    String uid = fanout.create(job).getMetadata().getUid();
    awaitPhase("short-lived", JobPhase.Succeeded);
    Instant completion = Instant.parse(status("short-lived").getCompletionTime());

    await().until(() -> fanout.get("short-lived") == null);

    JobRecord record = fanout.operator.store().find(uid);
    Duration after = Duration.between(completion, record.getDeletedAt());
    System.out.printf(
        "ttlSecondsAfterFinished 2: deleted %d ms after completion%n", after.toMillis());
    assertThat(after).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(7));
    assertThat(record.getPhase()).isEqualTo("Succeeded");
    assertThat(states(uid)).isEqualTo(Map.of(TaskState.SUCCEEDED, 3L));
  }

  @Test
  void deletingARunningJobStopsItsTasksDropsItsMessagesAndKeepsItsRows() {
    Path file = dir.resolve("runs");
    Job job = exec("doomed", 20, RECORD + file + "; exec sleep 300");
    job.getSpec().setParallelism(8);
    String uid = fanout.create(job).getMetadata().getUid();
    await().until(() -> runs(file).size() == 6);
    List<Long> pids = lines(file).stream().map(l -> Long.parseLong(l.split(" ")[1])).toList();

    fanout.delete("doomed");

    await().until(() -> fanout.get("doomed") == null);
    for (long pid : pids) {
      await().until(() -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty());
    }
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> fanout.depth("default") == 0 && runs(file).size() == 6);
    JobRecord record = fanout.operator.store().find(uid);
    assertThat(record.getDeletedAt()).isNotNull();
    assertThat(record.getPhase()).isEqualTo("Deleted");
    assertThat(states(uid)).isEqualTo(Map.of(TaskState.NOT_RUN, 20L));
  }

  @Test
  void editingAnImmutableFieldFailsTheJobAsInvalidSpecAndStopsIt() {
    Path file = dir.resolve("runs");
    Job job = exec("edited", 6, RECORD + file + "; exec sleep 300");
    job.getSpec().setParallelism(2);
    String uid = fanout.create(job).getMetadata().getUid();
    await().until(() -> runs(file).size() == 2);

    fanout.edit("edited", spec -> spec.setHandler("noop"));

    awaitPhase("edited", JobPhase.Failed);
    Job seen = fanout.get("edited");
    JobCondition failed = seen.getStatus().condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("InvalidSpec");
    assertThat(failed.getMessage())
        .isEqualTo("spec.handler cannot change after the Job is created");
    assertThat(seen.getStatus().getObservedGeneration())
        .isEqualTo(seen.getMetadata().getGeneration());
    assertStoppedAndNotRun(uid, Set.copyOf(runs(file)), 6L - 2);
    assertThat(runs(file)).hasSize(2);
    assertThat(status("edited").getTotal()).isEqualTo(6);
    String version = fanout.get("edited").getMetadata().getResourceVersion();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> version.equals(fanout.get("edited").getMetadata().getResourceVersion()));
  }

  @Test
  void parallelismDeadlineAndTtlTakeEffectWhenEditedOnALiveJob() {
    Path file = dir.resolve("runs");
    Job job = exec("mutable", 10, RECORD + file + "; exec sleep 300");
    job.getSpec().setParallelism(1);
    String uid = fanout.create(job).getMetadata().getUid();
    await().until(() -> runs(file).size() == 1);

    fanout.edit("mutable", spec -> spec.setParallelism(4));
    await().until(() -> runs(file).size() == 4);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> runs(file).size() == 4);

    fanout.edit("mutable", spec -> spec.setActiveDeadlineSeconds(1L));
    awaitPhase("mutable", JobPhase.Failed);
    assertThat(status("mutable").condition(JobCondition.FAILED).getReason())
        .isEqualTo("DeadlineExceeded");
    assertStoppedAndNotRun(uid, Set.copyOf(runs(file)), 10L - 4);

    fanout.edit("mutable", spec -> spec.setTtlSecondsAfterFinished(1));
    await().until(() -> fanout.get("mutable") == null);
    assertThat(fanout.operator.store().find(uid).getDeletedAt()).isNotNull();
    assertThat(runs(file)).hasSize(4);
  }

  @Test
  void aJobRecreatedUnderTheSameNameRunsNoneOfTheOldJobsQueuedTasks() {
    Path file = dir.resolve("runs");
    Job old = exec("again", 5, "echo old $FANOUT_TASK_INDEX >> " + file);
    old.getSpec().setPool("replay");
    String oldUid = fanout.create(old).getMetadata().getUid();
    // No worker serves the pool yet: the old Job's messages stay queued.
    await().until(() -> fanout.operator.store().countSent(oldUid) == 5);
    fanout.delete("again");
    await().until(() -> fanout.get("again") == null);

    Job successor = exec("again", 5, "echo new $FANOUT_TASK_INDEX >> " + file);
    successor.getSpec().setPool("replay");
    String newUid = fanout.create(successor).getMetadata().getUid();
    assertThat(newUid).isNotEqualTo(oldUid);
    await().until(() -> fanout.operator.store().countSent(newUid) == 5);
    assertThat(fanout.depth("replay")).isEqualTo(10);
    var worker = fanout.addWorker(3, "replay");

    awaitPhase("again", JobPhase.Succeeded);
    assertThat(lines(file)).containsExactlyInAnyOrder("new 0", "new 1", "new 2", "new 3", "new 4");
    await().until(() -> fanout.depth("replay") == 0);
    assertThat(
            worker
                .registry()
                .counter("fanout_deliveries_skipped", "reason", "job_replaced")
                .count())
        .isEqualTo(5);
    assertThat(states(oldUid)).isEqualTo(Map.of(TaskState.NOT_RUN, 5L));
    assertThat(fanout.operator.store().find(oldUid).getDeletedAt()).isNotNull();
    await().until(() -> states(newUid).equals(Map.of(TaskState.SUCCEEDED, 5L)));
  }

  @Test
  void aTaskWhoseMessageIsDeadLetteredFailsOnceAsDeadLetteredAndTheJobGoesOn() {
    Path file = dir.resolve("runs");
    // Its own Fanout: SQS dead-letters a message on its third receive.
    try (LocalFanout small = new LocalFanout(0, 2, 2, TestDatabase.h2())) {
      Job job = exec("poisoned", 6, RECORD + file);
      job.getSpec().setParallelism(1);
      job.getSpec().setMaxFailedTasks(1);
      String uid = small.create(job).getMetadata().getUid();
      await().until(() -> small.operator.store().countSent(uid) == 1);
      // Two workers took task 0 and died before settling it: received twice, never deleted.
      SqsClient sqs = small.sqsClient();
      String queue = small.queueUrl(small.sqs.names().tasks("default"));
      String body = null;
      for (int receipt = 0; receipt < 2; receipt++) {
        List<Message> got = List.of();
        while (got.isEmpty()) {
          got =
              sqs.receiveMessage(b -> b.queueUrl(queue).waitTimeSeconds(1).visibilityTimeout(0))
                  .messages();
        }
        body = got.get(0).body();
      }
      // A second copy of it, as SQS may deliver, and a message nobody can read.
      String dlq = small.queueUrl(small.sqs.names().deadLetters("default"));
      String copy = body;
      sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(copy));
      sqs.sendMessage(b -> b.queueUrl(dlq).messageBody("<html>not a task</html>"));
      small.addWorker(2);

      await().until(() -> small.phase("poisoned") == JobPhase.Succeeded);
      JobStatus status = small.get("poisoned").getStatus();
      assertThat(status.getFailedIndexes()).isEqualTo("0");
      assertThat(status.getCompletedIndexes()).isEqualTo("1-5");
      // Distinct: fabric8's mock server appends lists in a JSON merge patch (the real API server
      // replaces them), so an entry written once shows up again with every later write.
      assertThat(status.getFailures().stream().distinct())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.getIndex()).isZero();
                assertThat(f.getReason()).isEqualTo("DeadLettered");
                assertThat(f.getAttempts()).isEqualTo(2);
              });
      assertThat(runs(file)).as("task 0 never ran").containsExactlyInAnyOrder(1, 2, 3, 4, 5);
      await()
          .untilAsserted(
              () -> {
                TaskRow row = small.operator.store().rows(uid).get(0);
                assertThat(row.getState()).isEqualTo(TaskState.FAILED);
                assertThat(row.getLastError()).startsWith("DeadLettered: delivered 2 times");
                assertThat(
                        small
                            .operator
                            .registry()
                            .counter("fanout_bad_messages", "queue", "dlq")
                            .count())
                    .isEqualTo(1.0);
              });
    }
  }
}
