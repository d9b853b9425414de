package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Job;
import dev.fanout.api.JobCondition;
import dev.fanout.api.JobPhase;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskRow;
import dev.fanout.operator.db.TaskState;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the operator does with Jobs, against the real parts: the mock API server with the CRD,
 * ElasticMQ, and a database (H2 or PostgreSQL, per subclass).
 */
abstract class OperatorBehaviour {
  OperatorHarness h;
  FanoutOperator operator;

  abstract OperatorHarness harness();

  @BeforeEach
  void start() {
    h = harness();
    operator = h.startOperator();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    h.close();
  }

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aJobBecomesOneRowAndOneMessagePerTaskWithWhatAWorkerNeeds() {
    Job job = OperatorHarness.job("items", 0);
    ObjectNode common = JsonNodeFactory.instance.objectNode().put("ms", 5).put("shared", "x");
    job.getSpec().setParameters(common);
    job.getSpec().setHandler("sleep");
    job.getSpec().setMaxAttempts(4);
    TaskSource items = new TaskSource();
    items.setItems(
        List.of(
            JsonNodeFactory.instance.objectNode().put("name", "a"),
            JsonNodeFactory.instance.objectNode().put("name", "b").put("ms", 7),
            JsonNodeFactory.instance.objectNode().put("name", "c")));
    job.getSpec().setTasks(items);
    String uid = h.create(job).getMetadata().getUid();

    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 3);
    List<TaskMessage> messages = h.drain("default");
    assertThat(messages).hasSize(3);
    Map<Integer, TaskMessage> byIndex =
        messages.stream().collect(Collectors.toMap(TaskMessage::index, m -> m));
    assertThat(byIndex.keySet()).containsExactlyInAnyOrder(0, 1, 2);
    TaskMessage b = byIndex.get(1);
    assertThat(b.jobUid()).isEqualTo(uid);
    assertThat(b.namespace()).isEqualTo("default");
    assertThat(b.name()).isEqualTo("items");
    assertThat(b.handler()).isEqualTo("sleep");
    assertThat(b.total()).isEqualTo(3);
    assertThat(b.maxAttempts()).isEqualTo(4);
    assertThat(b.timeoutSeconds()).isEqualTo(600);
    assertThat(b.params().get("name").asText()).isEqualTo("b");
    assertThat(b.params().get("ms").asInt()).as("the item overrides the Job's").isEqualTo(7);
    assertThat(b.params().get("shared").asText()).isEqualTo("x");
    assertThat(byIndex.get(0).params().get("ms").asInt()).isEqualTo(5);

    List<TaskRow> rows = operator.store().rows(uid);
    assertThat(rows).extracting(TaskRow::getTaskIndex).containsExactly(0, 1, 2);
    assertThat(rows).allSatisfy(r -> assertThat(r.getState()).isEqualTo(TaskState.SENT));
    assertThat(rows.get(1).getParams()).contains("\"name\":\"b\"");

    Job seen = h.get("items");
    assertThat(seen.getStatus().getPhase()).isEqualTo(JobPhase.Running);
    assertThat(seen.getStatus().getTotal()).isEqualTo(3);
    assertThat(seen.getStatus().getStartTime()).isNotNull();
    assertThat(seen.getStatus().getObservedGeneration())
        .isEqualTo(seen.getMetadata().getGeneration());
    assertThat(h.queueExists("default-dlq")).as("the pool's dead-letter queue").isTrue();
  }

  @Test
  void tasksPerMessagePacksConsecutiveIndexesWithEachItemsParameters() {
    Job job = OperatorHarness.job("packed-items", 0);
    job.getSpec().setParameters(JsonNodeFactory.instance.objectNode().put("shared", "x"));
    job.getSpec().setTasksPerMessage(10);
    TaskSource items = new TaskSource();
    List<ObjectNode> list = new java.util.ArrayList<>();
    for (int i = 0; i < 25; i++) {
      list.add(JsonNodeFactory.instance.objectNode().put("n", i));
    }
    items.setItems(list);
    job.getSpec().setTasks(items);
    String uid = h.create(job).getMetadata().getUid();
    Job counted = OperatorHarness.job("packed-count", 25);
    counted.getSpec().setTasksPerMessage(10);
    counted.getSpec().setParameters(JsonNodeFactory.instance.objectNode().put("ms", 1));
    String countUid = h.create(counted).getMetadata().getUid();

    await()
        .atMost(WAIT)
        .until(
            () ->
                operator.store().countSent(uid) == 25
                    && operator.store().countSent(countUid) == 25);
    Map<String, List<TaskMessage>> byJob =
        h.drain("default").stream().collect(Collectors.groupingBy(TaskMessage::name));
    assertThat(byJob.get("packed-items"))
        .extracting(TaskMessage::indexes)
        .containsExactlyInAnyOrder("0-9", "10-19", "20-24");
    for (TaskMessage m : byJob.get("packed-items")) {
      List<ObjectNode> each = m.paramsOfEach();
      int first = m.index();
      for (int k = 0; k < each.size(); k++) {
        assertThat(each.get(k).get("n").asInt()).isEqualTo(first + k);
        assertThat(each.get(k).get("shared").asText()).isEqualTo("x");
      }
    }
    assertThat(byJob.get("packed-count"))
        .extracting(TaskMessage::indexes)
        .containsExactlyInAnyOrder("0-9", "10-19", "20-24");
    assertThat(byJob.get("packed-count"))
        .allSatisfy(
            m -> {
              assertThat(m.taskParams()).as("the same parameters, once").isNull();
              assertThat(m.params().get("ms").asInt()).isEqualTo(1);
            });
  }

  @Test
  void aDeadLetterOfSeveralTasksFailsThoseTheStatusDoesNotHold() {
    Job job = OperatorHarness.job("packed-poison", 10);
    job.getSpec().setTasksPerMessage(5);
    job.getSpec().setMaxFailedTasks(10);
    String uid = h.create(job).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 10);
    TaskMessage first =
        h.drain("default").stream().filter(m -> m.index() == 0).findFirst().orElseThrow();
    assertThat(first.indexes()).isEqualTo("0-4");
    h.recordAsWorker("packed-poison", "0-1", null);

    String dlq = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "default-dlq")).queueUrl();
    String body = dev.fanout.common.queue.Messages.encode(first);
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(body));

    await()
        .atMost(WAIT)
        .until(() -> "2-4".equals(h.get("packed-poison").getStatus().getFailedIndexes()));
    Job seen = h.get("packed-poison");
    assertThat(seen.getStatus().getCompletedIndexes()).isEqualTo("0-1");
    assertThat(seen.getStatus().getFailures())
        .extracting(dev.fanout.api.TaskFailure::getReason)
        .containsOnly("DeadLettered");
    await().atMost(WAIT).until(() -> h.visibleMessages("default-dlq") == 0);
  }

  @Test
  void parallelismCapsWhatIsInFlightAndTheOperatorTopsUpAsTasksFinish() {
    Job job = OperatorHarness.job("capped", 50);
    job.getSpec().setParallelism(5);
    job.getSpec().setMaxFailedTasks(5);
    String uid = h.create(job).getMetadata().getUid();

    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 5);
    assertThat(h.drain("default"))
        .extracting(TaskMessage::index)
        .containsExactlyInAnyOrder(0, 1, 2, 3, 4);

    h.recordAsWorker("capped", "0-2", null);
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 8);
    assertThat(h.drain("default"))
        .extracting(TaskMessage::index)
        .containsExactlyInAnyOrder(5, 6, 7);

    h.recordAsWorker("capped", "0-6", "7");
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 13);
    assertThat(operator.store().countSent(uid)).isEqualTo(13);
  }

  @Test
  void anInvalidJobFailsWithAConditionNamingTheFieldAndNothingIsSent() {
    Job job = OperatorHarness.job("bad", 10);
    job.getSpec().setHandler("exec");
    h.create(job);

    await()
        .atMost(WAIT)
        .until(
            () -> h.get("bad").getStatus() != null && h.get("bad").getStatus().getPhase() != null);
    Job seen = h.get("bad");
    assertThat(seen.getStatus().getPhase()).isEqualTo(JobPhase.Failed);
    JobCondition failed = seen.getStatus().condition(JobCondition.FAILED);
    assertThat(failed.getStatus()).isEqualTo("True");
    assertThat(failed.getReason()).isEqualTo("InvalidSpec");
    assertThat(failed.getMessage()).contains("spec.command");
    assertThat(operator.store().find(seen.getMetadata().getUid())).isNull();
    assertThat(h.visibleMessages("default")).as("tasks sent").isZero();
  }

  @Test
  void anItemOver8KiBFailsTheJobAsInvalidSpecNamingTheItemAndNoRowIsWritten() throws Exception {
    // The one invalid example only the operator can reject: the schema cannot measure an item.
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    String yaml = Files.readString(root.resolve("examples/invalid/item-too-large.yaml"));
    Job job = Serialization.unmarshal(yaml, Job.class);
    job.getMetadata().setNamespace("default");
    String uid = h.create(job).getMetadata().getUid();

    await()
        .atMost(WAIT)
        .until(
            () ->
                h.get("item-too-large").getStatus() != null
                    && h.get("item-too-large").getStatus().getPhase() != null);
    Job seen = h.get("item-too-large");
    assertThat(seen.getStatus().getPhase()).isEqualTo(JobPhase.Failed);
    JobCondition failed = seen.getStatus().condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("InvalidSpec");
    assertThat(failed.getMessage()).contains("spec.tasks.items[1]", "at most 8192");
    assertThat(operator.store().find(uid)).isNull();
    assertThat(h.visibleMessages("default")).as("tasks sent").isZero();
  }

  @Test
  void workersRecordingEveryTaskMakesTheJobSucceedAndTheRowsFollow() {
    String uid = h.create(OperatorHarness.job("done", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);

    h.recordAsWorker("done", "0-19", null);
    await().atMost(WAIT).until(() -> h.get("done").getStatus().getPhase() == JobPhase.Succeeded);
    Job seen = h.get("done");
    assertThat(seen.getStatus().isTrue(JobCondition.COMPLETE)).isTrue();
    assertThat(seen.getStatus().getCompletionTime()).isNotNull();
    long ran =
        java.time.Duration.between(
                java.time.Instant.parse(seen.getStatus().getStartTime()),
                java.time.Instant.parse(seen.getStatus().getCompletionTime()))
            .toSeconds();
    assertThat(seen.getStatus().getDuration())
        .as("the Duration column: start to completion")
        .isEqualTo(ran + "s");
    assertThat(seen.getStatus().getCompletedIndexes())
        .as("the worker's field survives")
        .isEqualTo("0-19");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(operator.store().countByState(uid))
                    .isEqualTo(Map.of(TaskState.SUCCEEDED, 20L)));
  }

  @Test
  void tooManyFailedTasksFailTheJobAtOnceAndTheRestIsNotRun() {
    Job job = OperatorHarness.job("failing", 100);
    job.getSpec().setParallelism(10);
    job.getSpec().setMaxFailedTasks(1);
    String uid = h.create(job).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 10);

    h.recordAsWorker("failing", "0-6", "7");
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 18);
    h.recordAsWorker("failing", "0-6", "7-8");
    await().atMost(WAIT).until(() -> h.get("failing").getStatus().getPhase() == JobPhase.Failed);
    JobCondition failed = h.get("failing").getStatus().condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("MaxFailedTasksExceeded");
    assertThat(failed.getMessage()).contains("2 tasks failed");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(operator.store().countByState(uid))
                    .containsEntry(TaskState.SUCCEEDED, 7L)
                    .containsEntry(TaskState.FAILED, 2L)
                    .containsEntry(TaskState.NOT_RUN, 91L));
  }

  @Test
  void anOperatorStoppedMidFanOutAndRestartedSendsEachTaskExactlyOnce() {
    String uid = h.create(OperatorHarness.job("big", 20_000)).getMetadata().getUid();
    // 20,000 rows are written before the first send: on a loaded 2-core machine that alone took 29
    // s.
    await().atMost(Duration.ofMinutes(2)).until(() -> operator.store().countSent(uid) >= 2_000);
    operator.close();
    long sentBefore =
        new dev.fanout.operator.db.TaskStore(
                new dev.fanout.operator.db.Database(h.dbUrl, h.dbUser, h.dbPassword))
            .countSent(uid);
    assertThat(sentBefore).as("stopped in the middle").isLessThan(20_000);

    operator = h.startOperator();
    await().atMost(Duration.ofMinutes(2)).until(() -> operator.store().countSent(uid) == 20_000);
    List<TaskMessage> messages = h.drain("default");
    Set<Integer> distinct = messages.stream().map(TaskMessage::index).collect(Collectors.toSet());
    assertThat(distinct).hasSize(20_000);
    assertThat(messages).hasSize(20_000);
  }

  @Test
  void parametersTooLargeForAQueueMessageFailTheJobAtOnceNamingTheField() {
    Job job = OperatorHarness.job("huge", 20);
    job.getSpec()
        .setParameters(JsonNodeFactory.instance.objectNode().put("blob", "x".repeat(300_000)));
    String uid = h.create(job).getMetadata().getUid();
    await()
        .atMost(WAIT)
        .until(() -> h.get("huge").getStatus() != null && h.get("huge").getStatus().isFinished());
    JobCondition failed = h.get("huge").getStatus().condition(JobCondition.FAILED);
    assertThat(failed.getReason()).isEqualTo("InvalidSpec");
    assertThat(failed.getMessage()).contains("spec.parameters", "at most 262144");
    assertThat(operator.store().find(uid)).isNull();
  }

  @Test
  void largeParametersThatFitOneMessageEachAreSentInBatchesTheQueueTakes() {
    Job job = OperatorHarness.job("large", 20);
    job.getSpec()
        .setParameters(JsonNodeFactory.instance.objectNode().put("blob", "x".repeat(100_000)));
    String uid = h.create(job).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    assertThat(h.drain("default"))
        .hasSize(20)
        .allSatisfy(m -> assertThat(m.params().get("blob").asText()).hasSize(100_000));
  }

  @Test
  void theConfiguredPoolsQueueExistsBeforeAnyJob() {
    await().atMost(WAIT).until(() -> h.queueExists("default"));
  }

  @Test
  void aPoolQueueLostWhileTheOperatorWasAwayGetsEveryUnfinishedTaskAgain() {
    String uid = h.create(OperatorHarness.job("lost", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    h.recordAsWorker("lost", "0-4", "");
    operator.close();
    // What an embedded queue restarted with its operator is: the same name, nothing in it.
    h.sqs.deleteQueue(b -> b.queueUrl(h.queueUrl("default")));

    operator = h.startOperator();
    await().atMost(WAIT).until(() -> h.queueExists("default") && h.visibleMessages("default") > 0);
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    List<TaskMessage> messages = h.drain("default");
    assertThat(messages.stream().map(TaskMessage::index).collect(Collectors.toSet()))
        .as("every task sent again (workers drop those the status holds)")
        .hasSize(20);
    assertThat(messages).as("each once").hasSize(20);
    assertThat(messages).allSatisfy(m -> assertThat(m.jobUid()).isEqualTo(uid));
  }

  @Test
  void aPoolQueueDeletedWhileTheOperatorRunsIsMadeAgainAndItsTasksSentAgain() {
    String uid = h.create(OperatorHarness.job("vanished", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    h.sqs.deleteQueue(b -> b.queueUrl(h.queueUrl("default")));

    // What the operator checks every 30 s.
    assertThat(operator.queues().verify()).containsExactly("default");
    await()
        .atMost(WAIT)
        .until(() -> h.queueExists("default") && h.visibleMessages("default") == 20);
    assertThat(h.drain("default").stream().map(TaskMessage::index).collect(Collectors.toSet()))
        .hasSize(20);
    assertThat(operator.queues().verify()).as("checked again: nothing lost").isEmpty();
  }

  @Test
  void aQueueThatWasThereBeforeItsIncarnationWasRecordedKeepsItsMessages() throws Exception {
    String uid = h.create(OperatorHarness.job("upgraded", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    operator.close();
    // As after an upgrade from a version without incarnations: no tag, no record.
    String url = h.queueUrl("default");
    h.sqs.untagQueue(b -> b.queueUrl(url).tagKeys("fanout.dev/incarnation"));
    try (var c = java.sql.DriverManager.getConnection(h.dbUrl, h.dbUser, h.dbPassword);
        var st = c.createStatement()) {
      st.executeUpdate("delete from fanout_queue");
    }

    assertARestartSendsNothingAgain(uid, 20);
  }

  @Test
  void anOperatorRestartedOverTheSameQueueSendsNothingAgain() {
    String uid = h.create(OperatorHarness.job("kept", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    operator.close();

    assertARestartSendsNothingAgain(uid, 20);
  }

  /** Starts the operator again over the queue it left: the queue holds each task once. */
  private void assertARestartSendsNothingAgain(String uid, int total) {
    operator = h.startOperator();
    await().atMost(WAIT).until(operator::leading);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> operator.store().countSent(uid) == total);
    assertThat(h.drain("default")).as("messages on the queue, none sent again").hasSize(total);
  }

  @Test
  void twoOperatorsOneLeaderEachTaskSentOnceAndTheOtherTakesOverWhenItStops() {
    FanoutOperator second = h.startOperator();
    try {
      await().atMost(WAIT).until(() -> operator.leading() || second.leading());
      assertThat(operator.leading() && second.leading()).as("both lead").isFalse();
      String uid = h.create(OperatorHarness.job("twice", 500)).getMetadata().getUid();
      await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 500);
      await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> true);
      List<TaskMessage> messages = h.drain("default");
      assertThat(messages).as("messages sent by two operators").hasSize(500);

      FanoutOperator leader = operator.leading() ? operator : second;
      FanoutOperator standby = leader == operator ? second : operator;
      leader.close();
      await().atMost(WAIT).until(standby::leading);
      String next = h.create(OperatorHarness.job("after", 10)).getMetadata().getUid();
      await().atMost(WAIT).until(() -> standby.store().countSent(next) == 10);
      if (leader == operator) {
        operator = second;
      }
    } finally {
      if (second != operator) {
        second.close();
      }
    }
  }

  @Test
  void deletingARunningJobStopsFurtherSendsAndKeepsItsRowsAsHistory() {
    Job job = OperatorHarness.job("deleted", 30);
    job.getSpec().setParallelism(5);
    String uid = h.create(job).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 5);

    h.client().resource(h.get("deleted")).delete();
    await().atMost(WAIT).until(() -> h.get("deleted") == null);
    JobRecord record = operator.store().find(uid);
    assertThat(record.getDeletedAt()).isNotNull();
    assertThat(operator.store().countByState(uid)).isEqualTo(Map.of(TaskState.NOT_RUN, 30L));
    assertThat(h.drain("default")).hasSize(5);
  }

  @Test
  void aTaskWhoseMessageLandsInTheDeadLetterQueueFailsOnceAsDeadLettered() {
    Job job = OperatorHarness.job("poison", 5);
    job.getSpec().setMaxFailedTasks(5);
    String uid = h.create(job).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 5);
    TaskMessage poison =
        h.drain("default").stream().filter(m -> m.index() == 2).findFirst().orElseThrow();

    String dlq = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "default-dlq")).queueUrl();
    String body = dev.fanout.common.queue.Messages.encode(poison);
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(body));
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(body));
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody("garbage, not a task {"));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        operator.registry().counter("fanout_bad_messages", "queue", "dlq").count())
                    .isEqualTo(1.0));
    await().atMost(WAIT).until(() -> "2".equals(h.get("poison").getStatus().getFailedIndexes()));
    Job seen = h.get("poison");
    assertThat(seen.getStatus().getFailed()).isEqualTo(1);
    assertThat(seen.getStatus().getFailures())
        .extracting(dev.fanout.api.TaskFailure::getReason)
        .containsOnly("DeadLettered");
    assertThat(seen.getStatus().getFailures())
        .extracting(dev.fanout.api.TaskFailure::getIndex)
        .containsOnly(2);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TaskRow row = operator.store().rows(uid).get(2);
              assertThat(row.getState()).isEqualTo(TaskState.FAILED);
              assertThat(row.getLastError()).startsWith("DeadLettered");
            });
    await().atMost(WAIT).until(() -> h.visibleMessages("default-dlq") == 0);
  }

  @Test
  void outcomesSeveralToAMessageOrAloneReachTheirRowsAndAVerdictIsNotUndone() {
    String uid = h.create(OperatorHarness.job("outcomes", 4)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 4);
    String queue = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "outcomes")).queueUrl();
    long start = 1_700_000_000_000L;
    Outcome first = outcome(uid, 0, 1, Outcome.Kind.SUCCEEDED, null, start, 40);
    Outcome retrying = outcome(uid, 1, 1, Outcome.Kind.RETRYING, "boom", start, 5);
    Outcome failed = outcome(uid, 2, 3, Outcome.Kind.FAILED, "broken", start, 7);
    h.sqs.sendMessage(
        b ->
            b.queueUrl(queue)
                .messageBody(
                    "["
                        + Messages.encode(first)
                        + ","
                        + Messages.encode(retrying)
                        + ","
                        + Messages.encode(failed)
                        + "]"));
    // A late copy of task 2's outcome says it succeeded: the first verdict stays.
    Outcome late = outcome(uid, 2, 2, Outcome.Kind.SUCCEEDED, null, start, 1);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<TaskRow> rows = operator.store().rows(uid);
              assertThat(rows.get(0).getState()).isEqualTo(TaskState.SUCCEEDED);
              assertThat(rows.get(0).getStartedAt()).isEqualTo(Instant.ofEpochMilli(start));
              assertThat(rows.get(0).getFinishedAt()).isEqualTo(Instant.ofEpochMilli(start + 40));
              assertThat(rows.get(0).getDurationMs()).isEqualTo(40);
              assertThat(rows.get(1).getState()).isEqualTo(TaskState.SENT);
              assertThat(rows.get(1).getLastError()).isEqualTo("Error: boom");
              assertThat(rows.get(2).getState()).isEqualTo(TaskState.FAILED);
              assertThat(rows.get(2).getAttempts()).isEqualTo(3);
            });
    h.sqs.sendMessage(b -> b.queueUrl(queue).messageBody(Messages.encode(late)));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(operator.store().rows(uid).get(2).getDurationMs()).isEqualTo(1));
    TaskRow row = operator.store().rows(uid).get(2);
    assertThat(row.getState()).isEqualTo(TaskState.FAILED);
    assertThat(row.getAttempts()).isEqualTo(3);
  }

  @Test
  void anImpossibleOutcomeIsDroppedAsBadAndTheOthersOfItsMessageStillReachTheirRows() {
    String uid = h.create(OperatorHarness.job("outcomes", 3)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 3);
    String queue = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "outcomes")).queueUrl();
    long start = System.currentTimeMillis() - 1_000;
    Outcome farFuture = outcome(uid, 0, 1, Outcome.Kind.SUCCEEDED, null, Long.MAX_VALUE / 2, 5);
    Outcome negative = outcome(uid, 1, 1, Outcome.Kind.SUCCEEDED, null, start, -5);
    Outcome fine = outcome(uid, 2, 1, Outcome.Kind.SUCCEEDED, null, start, 7);
    h.sqs.sendMessage(
        b ->
            b.queueUrl(queue)
                .messageBody(
                    "["
                        + Messages.encode(farFuture)
                        + ","
                        + Messages.encode(negative)
                        + ","
                        + Messages.encode(fine)
                        + "]"));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(operator.store().rows(uid).get(2).getState())
                    .isEqualTo(TaskState.SUCCEEDED));
    assertThat(operator.registry().counter("fanout_bad_messages", "queue", "outcomes").count())
        .isEqualTo(2.0);
    List<TaskRow> rows = operator.store().rows(uid);
    assertThat(rows.get(0).getState()).isEqualTo(TaskState.SENT);
    assertThat(rows.get(1).getState()).isEqualTo(TaskState.SENT);
    await().atMost(WAIT).until(() -> h.visibleMessages("outcomes") == 0);
  }

  @Test
  void aForgedDeadLetterOfNoRealTaskIsDroppedAsBadAndCountsNothing() {
    String uid = h.create(OperatorHarness.job("forged", 20)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 20);
    TaskMessage real = h.drain("default").get(0);
    TaskMessage outside = forged(real, real.name(), 25, 30);
    TaskMessage otherName = forged(real, "someone-else", 3, real.total());
    String dlq = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "default-dlq")).queueUrl();
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(Messages.encode(outside)));
    h.sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(Messages.encode(otherName)));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        operator.registry().counter("fanout_bad_messages", "queue", "dlq").count())
                    .isEqualTo(2.0));
    await().atMost(WAIT).until(() -> h.visibleMessages("default-dlq") == 0);
    Job seen = h.get("forged");
    assertThat(seen.getStatus().getFailedIndexes()).isNullOrEmpty();
    assertThat(seen.getStatus().getFailed()).isIn(null, 0);
    assertThat(operator.store().countByState(uid)).isEqualTo(Map.of(TaskState.SENT, 20L));
  }

  @Test
  void tasksOfASuspendedJobHandedBackUnrunWaitInTheRowsAndAreSentAgainOnResume() {
    String uid = h.create(OperatorHarness.job("outcomes", 10)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 10);
    assertThat(h.drain("default")).hasSize(10);
    setSuspend("outcomes", true);
    await()
        .atMost(WAIT)
        .until(() -> h.get("outcomes").getStatus().getPhase() == JobPhase.Suspended);

    returnUnrun(uid, 0, 10);
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 0);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> h.visibleMessages("default") == 0);

    setSuspend("outcomes", false);
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 10);
    assertThat(h.drain("default"))
        .extracting(TaskMessage::index)
        .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void tasksHandedBackAfterTheirJobResumedAreSentAgainAtOnce() {
    String uid = h.create(OperatorHarness.job("outcomes", 5)).getMetadata().getUid();
    await().atMost(WAIT).until(() -> operator.store().countSent(uid) == 5);
    assertThat(h.drain("default")).hasSize(5);

    returnUnrun(uid, 0, 5);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(h.drain("default"))
                    .extracting(TaskMessage::index)
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4));
    assertThat(operator.store().countSent(uid)).isEqualTo(5);
  }

  private void setSuspend(String name, boolean suspend) {
    h.client()
        .resources(Job.class)
        .inNamespace("default")
        .withName(name)
        .edit(
            j -> {
              j.getSpec().setSuspend(suspend);
              return j;
            });
  }

  private void returnUnrun(String uid, int from, int count) {
    String queue = h.sqs.getQueueUrl(b -> b.queueName(h.prefix + "outcomes")).queueUrl();
    StringBuilder body = new StringBuilder("[");
    for (int i = from; i < from + count; i++) {
      body.append(i == from ? "" : ",")
          .append(Messages.encode(outcome(uid, i, 1, Outcome.Kind.RETURNED, null, 0, 0)));
    }
    h.sqs.sendMessage(b -> b.queueUrl(queue).messageBody(body + "]"));
  }

  /** A copy of a real task message under another name, index and total. */
  private static TaskMessage forged(TaskMessage real, String name, int index, int total) {
    return new TaskMessage(
        real.version(),
        real.jobUid(),
        real.namespace(),
        name,
        index,
        total,
        real.handler(),
        real.command(),
        real.params(),
        real.maxAttempts(),
        real.timeoutSeconds(),
        real.backoff(),
        real.priorAttempts());
  }

  private static Outcome outcome(
      String uid, int index, int attempt, Outcome.Kind kind, String message, long at, long ms) {
    return new Outcome(
        uid,
        "default",
        "outcomes",
        index,
        attempt,
        kind,
        message == null ? null : "Error",
        message,
        null,
        at,
        ms,
        "w");
  }
}
