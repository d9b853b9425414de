package dev.fanout.bench;

import dev.fanout.api.JobSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * (3) Fan-out: a large Job from {@code create} until the operator has sent every task (its {@code
 * fanout_tasks_sent_total}), with no worker on that pool, so nothing competes; next to the raw
 * send-batch rate (1) and the raw JDBC insert rate measured in this run; and the operator's memory
 * meanwhile (6).
 */
final class FanOut {
  static final String POOL = "bulk";
  static final String JOB = "fanout";
  private static final Duration LIMIT = Duration.ofMinutes(10);

  record Result(
      int tasks,
      double seconds,
      double tasksPerSecond,
      double rawSendBatchBefore,
      double rawSendBatchAfter,
      double rawSendBatch,
      double rawInsert,
      double ofRawSend,
      double ofRawInsert,
      long messagesInQueue,
      MemoryWatch.Figures operatorMemory,
      CpuTime.PerTask cpuMsPerTask) {}

  private final Rig rig;
  private final Progress progress;

  /** Messages waiting in the queue; 0 while it does not exist yet. */
  private long messagesIn(String queue) {
    try {
      String url = rig.sqs().getQueueUrl(b -> b.queueName(queue)).queueUrl();
      return Long.parseLong(
          rig.sqs()
              .getQueueAttributes(
                  b ->
                      b.queueUrl(url)
                          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
              .attributes()
              .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    } catch (QueueDoesNotExistException e) {
      return 0;
    }
  }

  /**
   * One task a message, as the raw send-batch rate it is compared with: a pool no worker serves
   * teaches automatic packing nothing, so it would send them so too, after its probe's wait.
   */
  private static final Consumer<JobSpec> ONE_TO_A_MESSAGE = spec -> spec.setTasksPerMessage(1);

  /**
   * Waits until the pool's queue holds {@code tasks} messages; returns how many it holds. Watched
   * from the queue's side: scraping the operator this often would slow it down.
   */
  private long awaitQueued(String pool, int tasks, long deadline) throws InterruptedException {
    long inQueue = 0;
    while (inQueue < tasks) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the operator sent " + inQueue + " of " + tasks + " tasks in " + LIMIT);
      }
      Thread.sleep(50);
      inQueue = messagesIn(rig.queueName(pool));
    }
    return inQueue;
  }

  /**
   * The operator's count of tasks sent once it reaches {@code count}, or after 10 s, whichever
   * comes first.
   */
  private static double awaitSent(Rig.Node operator, double count) throws Exception {
    double sent = operator.metrics().sum("fanout_tasks_sent_total");
    for (int i = 0; i < 100 && sent < count; i++) {
      Thread.sleep(100);
      sent = operator.metrics().sum("fanout_tasks_sent_total");
    }
    return sent;
  }

  FanOut(Rig rig, Progress progress) {
    this.rig = rig;
    this.progress = progress;
  }

  /**
   * @param rawMessages messages of each raw send-batch measurement, just before the fan-out and
   *     just after it: the rate it is compared with is their mean
   */
  Result run(int tasks, int rawMessages) throws Exception {
    double rawInsert = JdbcInsertRate.measure(rig.operatorJar(), rig.runDir(), tasks);
    double sendBefore = QueueLimit.sendNow(rig.sqs(), "raw-send-before", rawMessages);
    progress.say(
        "(3) raw JDBC batch insert (H2 file, operator's schema): %,.0f rows/s; raw send-batch"
            + " %,.0f msg/s",
        rawInsert, sendBefore);
    // The operator was just started again: a first fan-out in a pool of its own warms its JIT.
    Rig.Node operator = rig.operator();
    int warmUp = Math.max(1, tasks / 5);
    double before = operator.metrics().sum("fanout_tasks_sent_total");
    rig.create(JOB + "-warm-up", "noop", warmUp, POOL + "-warm-up", ONE_TO_A_MESSAGE);
    awaitQueued(POOL + "-warm-up", warmUp, System.nanoTime() + LIMIT.toNanos());
    // Its last round is counted once its rows are marked, just after the queue has it.
    double sent0 = awaitSent(operator, before + warmUp);
    progress.say("(3) warm-up fan-out of %,d tasks done", warmUp);
    MemoryWatch memory = new MemoryWatch(List.of(rig.operator()), true);
    CpuTime.Snapshot cpu = CpuTime.Snapshot.take(rig.operator(), List.of());
    long start = rig.create(JOB, "noop", tasks, POOL, ONE_TO_A_MESSAGE);
    long inQueue = awaitQueued(POOL, tasks, start + LIMIT.toNanos());
    double seconds = (System.nanoTime() - start) / 1e9;
    CpuTime.PerTask cpuPerTask =
        CpuTime.Snapshot.take(rig.operator(), List.of()).perTaskSince(cpu, tasks);
    Map<String, MemoryWatch.Figures> figures = memory.stop();
    // The operator counts a round's tasks once it has marked their rows, just after sending them.
    double sent = awaitSent(operator, sent0 + tasks) - sent0;
    if (sent != tasks || inQueue != tasks) {
      throw new IllegalStateException(
          "the operator says it sent " + (long) sent + " tasks; the queue holds " + inQueue);
    }
    double sendAfter = QueueLimit.sendNow(rig.sqs(), "raw-send-after", rawMessages);
    double rawSendBatch = (sendBefore + sendAfter) / 2;
    double rate = tasks / seconds;
    Result result =
        new Result(
            tasks,
            seconds,
            rate,
            sendBefore,
            sendAfter,
            rawSendBatch,
            rawInsert,
            rate / rawSendBatch,
            rate / rawInsert,
            inQueue,
            figures.get(operator.process().name()),
            cpuPerTask);
    progress.say(
        "(3) fan-out of %,d tasks: %.1f s, %,.0f tasks/s (%.0f%% of raw send-batch, %.0f%% of raw"
            + " insert); %,d messages in the queue; CPU per task: operator %.2f ms, queue and API"
            + " %.2f ms",
        tasks,
        seconds,
        rate,
        100 * result.ofRawSend(),
        100 * result.ofRawInsert(),
        inQueue,
        cpuPerTask.operator(),
        cpuPerTask.queueAndApi());
    return result;
  }
}
