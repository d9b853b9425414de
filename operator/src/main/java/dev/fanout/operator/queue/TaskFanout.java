package dev.fanout.operator.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.IndexSet;
import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.db.TaskStore.PendingTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Sends a Job's unsent tasks to its pool's queue, in batches of 10 with several calls in flight,
 * keeping at most {@code parallelism} tasks, and at most a few seconds of the pool's work ({@link
 * FairWindow}), queued or running. The task rows say what was sent, so a pass (or a restarted
 * operator) resumes exactly where the last one stopped.
 *
 * <p>Passes run off the reconciler's thread; a request for a Job whose pass is running makes that
 * pass go round once more instead of starting a second one.
 */
public final class TaskFanout implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TaskFanout.class);

  /**
   * Rows read and sent per round of a pass. Each round ends waiting for its slowest call and then
   * marks its rows: with 500, that took the fan-out to under half the queue's send rate. A restart
   * in the middle of a round sends that round again, late (see {@link #UNCONFIRMED_DELAY_SECONDS}).
   */
  static final int CHUNK = 2000;

  private static final int BATCH = 10;

  /**
   * The most bytes of items' parameters one message of several tasks carries, short of SQS's 256
   * KiB a message, with room for the rest of the message.
   */
  static final int PACKED_PARAMS_BYTES = 200 * 1024;

  /**
   * A task whose earlier send did not confirm (the operator died sending it, or SQS timed out) may
   * be on the queue already; it is sent again this much later, so that the earlier copy, ahead of
   * it, runs and is recorded first and workers drop the late one as a duplicate rather than run the
   * task twice.
   */
  static final int UNCONFIRMED_DELAY_SECONDS = 15;

  private final TaskStore store;
  private final QueueAdmin queues;
  private final SqsClient sqs;
  private final Clock clock;
  private final ExecutorService passes;
  private final ExecutorService senders;
  private final ScheduledExecutorService retries;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final Counter sent;
  private final Counter messages;
  private final Timer sendLatency;
  private final FairWindow window;
  private final TaskPacking packing = new TaskPacking();

  /**
   * @param fairShareSeconds seconds of its pool's work one Job may have queued ({@link
   *     FairWindow}); 0: no limit
   */
  public TaskFanout(
      TaskStore store,
      QueueAdmin queues,
      SqsClient sqs,
      MeterRegistry registry,
      Clock clock,
      int fairShareSeconds) {
    this.store = store;
    this.queues = queues;
    this.sqs = sqs;
    this.clock = clock;
    this.passes =
        Executors.newFixedThreadPool(2, Thread.ofPlatform().name("fanout-pass-", 0).factory());
    this.senders =
        Executors.newFixedThreadPool(8, Thread.ofPlatform().name("fanout-send-", 0).factory());
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fanout-retry").factory());
    this.window = fairShareSeconds == 0 ? null : new FairWindow(clock, fairShareSeconds * 1000L);
    this.sent = registry.counter("fanout_tasks_sent");
    this.messages = registry.counter("fanout_task_messages_sent");
    this.sendLatency =
        Timer.builder("fanout_send_batch").publishPercentileHistogram().register(registry);
  }

  /** One Job's pass state: the newest copy of the Job, and whether a pass runs or is owed. */
  private static final class Slot {
    volatile Job job;
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicBoolean again = new AtomicBoolean();
    volatile boolean stopped;
    volatile int failures;
    final AtomicBoolean probeWake = new AtomicBoolean();
  }

  /** Asks for a pass over this Job with its newest status; returns at once. */
  public void request(Job job) {
    if (window != null) {
      window.observe(job);
    }
    packing.track(job);
    // The same slot while a pass runs, even one told to stop: two passes over one Job at once
    // would both read its PENDING rows and send them twice (suspend and resume in quick turns).
    Slot slot =
        slots.compute(
            job.getMetadata().getUid(),
            (uid, s) -> {
              Slot t = s == null ? new Slot() : s;
              t.job = job;
              t.stopped = false;
              t.again.set(true);
              return t;
            });
    schedule(job.getMetadata().getUid(), slot);
  }

  /**
   * Sends again what the rows say is unsent, if this Job is being sent (some of its tasks came
   * back); does nothing for a Job that is not (suspended, finished: its next request will).
   */
  public void wake(String uid) {
    Slot slot = slots.get(uid);
    if (slot != null && !slot.stopped) {
      slot.again.set(true);
      schedule(uid, slot);
    }
  }

  /** Stops sending for this Job (finished, suspended, deleted); a running pass ends soon. */
  public void forget(String uid) {
    if (window != null) {
      window.forget(uid);
    }
    packing.forget(uid);
    slots.computeIfPresent(
        uid,
        (k, s) -> {
          s.stopped = true;
          return s.running.get() ? s : null;
        });
  }

  private void schedule(String uid, Slot slot) {
    if (slot.running.compareAndSet(false, true)) {
      try {
        passes.execute(() -> runPasses(uid, slot));
      } catch (RejectedExecutionException closing) {
        slot.running.set(false);
      }
    }
  }

  private void runPasses(String uid, Slot slot) {
    try {
      while (slot.again.getAndSet(false) && !slot.stopped) {
        pass(uid, slot);
        slot.failures = 0;
      }
    } catch (RuntimeException e) {
      slot.failures++;
      long delay = Math.min(30, 1L << Math.min(slot.failures, 5));
      log.warn(
          "Job {}: sending tasks failed ({}); trying again in {} s",
          slot.job.ref(),
          e.toString(),
          delay);
      try {
        retries.schedule(
            () -> {
              slot.again.set(true);
              schedule(uid, slot);
            },
            delay,
            TimeUnit.SECONDS);
      } catch (RejectedExecutionException closing) {
        // The operator is stopping: the next one resumes from the rows.
      }
    } finally {
      slot.running.set(false);
      slots.computeIfPresent(uid, (k, s) -> s == slot && s.stopped ? null : s);
    }
    if (slot.again.get() && !slot.stopped) {
      schedule(uid, slot);
    }
  }

  /**
   * Sends the Job's PENDING rows in rounds, reading them in index order from a cursor. The rounds
   * overlap: the next round's rows are read and noted while the current round's sends are under
   * way, so the database work does not stop the sends. With a cap (parallelism or fair window),
   * what is queued is counted once, then counted up with each round; a round that brings it within
   * a round of the cap ends before the next is sized, from what is still in the queue counted
   * again. (Ending every round there halved the fan-out of a Job whose fair window was far from
   * full.)
   */
  private void pass(String uid, Slot slot) {
    Job job = slot.job;
    String queueUrl = queues.taskQueue(job.getSpec().effectivePool());
    long inQueue = inQueue(uid, job);
    int after = -1;
    Round inFlight = null;
    try {
      while (!slot.stopped) {
        job = slot.job;
        Integer cap = cap(job);
        long budget = cap == null ? CHUNK : Math.min(CHUNK, cap - inQueue);
        int probing = packing.room(job, clock.millis());
        if (probing == 0) {
          wakeAfterProbe(uid, slot, job);
        }
        budget = Math.min(budget, probing);
        if (budget <= 0) {
          break;
        }
        List<PendingTask> pending = store.pending(uid, after, (int) budget);
        if (pending.isEmpty()) {
          break;
        }
        packing.sent(uid, pending.size());
        after = pending.get(pending.size() - 1).index();
        List<Integer> fresh =
            pending.stream().filter(t -> !t.attempted()).map(PendingTask::index).toList();
        store.markSending(uid, IndexSet.of(fresh), clock.instant());
        Round previous = inFlight;
        inFlight = startSending(job, queueUrl, pending);
        if (previous != null) {
          finish(uid, previous);
        }
        if (cap != null) {
          // Counted up only (what finished meanwhile is not taken off), so never past the cap.
          inQueue += pending.size();
          if (cap - inQueue < CHUNK) {
            // Near the cap: the round ends, and what is queued is counted again.
            Round round = inFlight;
            inFlight = null;
            finish(uid, round);
            inQueue = inQueue(uid, slot.job);
          }
        }
      }
      if (inFlight != null) {
        Round last = inFlight;
        inFlight = null;
        finish(uid, last);
      }
    } catch (RuntimeException e) {
      // A round still under way ends, and what SQS took of it is marked, not sent again late.
      if (inFlight != null) {
        try {
          finish(uid, inFlight);
        } catch (RuntimeException also) {
          e.addSuppressed(also);
        }
      }
      throw e;
    }
  }

  /**
   * The Job's probe waits for outcomes ({@link TaskPacking}): its pass goes round again when they
   * are in ({@link #observeDuration}) or when the probe stops waiting, whichever comes first.
   */
  private void wakeAfterProbe(String uid, Slot slot, Job job) {
    if (slot.probeWake.compareAndSet(false, true)) {
      try {
        retries.schedule(
            () -> {
              slot.probeWake.set(false);
              wake(uid);
            },
            Math.max(1, packing.waitLeft(job, clock.millis())),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        slot.probeWake.set(false);
      }
    }
  }

  /**
   * A task of the Job ran this long (an outcome's duration): what packing learns from; when that
   * was what the Job's probe waited for, the rest of its tasks go now.
   */
  public void observeDuration(String uid, long durationMillis) {
    if (packing.observe(uid, durationMillis)) {
      wake(uid);
    }
  }

  /** A round's sends under way. */
  private record Round(Job job, int size, List<CompletableFuture<List<Integer>>> calls) {}

  /** Waits for a round's sends, marks what SQS took as SENT; throws when some were refused. */
  private void finish(String uid, Round round) {
    List<Integer> done = join(round.calls());
    store.markSent(uid, IndexSet.of(done), clock.instant());
    sent.increment(done.size());
    if (done.size() < round.size()) {
      throw new IllegalStateException(
          (round.size() - done.size()) + " of " + round.size() + " sends failed");
    }
    log.debug("Job {}: sent {} tasks", round.job().ref(), done.size());
  }

  /**
   * Tasks sent and not yet finished; only a Job with a cap needs it. Counting the rows each round
   * costs more the larger the Job: about half the pass's time in a profile of the fan-out.
   */
  private long inQueue(String uid, Job job) {
    return cap(job) == null ? 0 : store.countSent(uid) - finished(job);
  }

  /**
   * The most tasks of the Job queued or running at once: its parallelism, or its fair window among
   * the pool's Jobs ({@link FairWindow}) when that is smaller; null when neither limits it (a Job
   * no larger than its window).
   */
  private Integer cap(Job job) {
    Integer parallelism = job.getSpec().getParallelism();
    if (window == null) {
      return parallelism;
    }
    int fair = window.of(job.getSpec().effectivePool());
    if (parallelism != null && parallelism <= fair) {
      return parallelism;
    }
    if (job.getSpec().taskCount() <= fair) {
      return parallelism;
    }
    return fair;
  }

  private static long finished(Job job) {
    if (job.getStatus() == null) {
      return 0;
    }
    return job.getStatus().completed().count() + (long) job.getStatus().failedSet().count();
  }

  /**
   * Starts sending the tasks, packed into messages ({@link #pack}), in parallel batches of ten
   * messages.
   */
  private Round startSending(Job job, String queueUrl, List<PendingTask> tasks) {
    List<List<PendingTask>> messages = pack(tasks, packing.size(job));
    List<CompletableFuture<List<Integer>>> calls = new ArrayList<>();
    for (int from = 0; from < messages.size(); from += BATCH) {
      List<List<PendingTask>> batch =
          messages.subList(from, Math.min(messages.size(), from + BATCH));
      calls.add(CompletableFuture.supplyAsync(() -> sendBatch(job, queueUrl, batch), senders));
    }
    return new Round(job, tasks.size(), calls);
  }

  /**
   * The tasks as messages of at most {@code perMessage} each: runs of consecutive indexes sent for
   * the same time and with the same attempts made, so that one message says them all in an
   * interval, and each task's attempts stay its own.
   */
  static List<List<PendingTask>> pack(List<PendingTask> tasks, int perMessage) {
    List<List<PendingTask>> messages = new ArrayList<>();
    List<PendingTask> current = new ArrayList<>();
    int bytes = 0;
    for (PendingTask task : tasks) {
      int size =
          task.params() == null
              ? 0
              : task.params().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (!current.isEmpty()) {
        PendingTask last = current.get(current.size() - 1);
        if (current.size() >= perMessage
            || bytes + size > PACKED_PARAMS_BYTES
            || task.index() != last.index() + 1
            || task.attempted() != last.attempted()
            || task.attempts() != last.attempts()) {
          messages.add(current);
          current = new ArrayList<>();
          bytes = 0;
        }
      }
      current.add(task);
      bytes += size;
    }
    if (!current.isEmpty()) {
      messages.add(current);
    }
    return messages;
  }

  /** The indexes SQS accepted; throws only when it accepted none and a call failed. */
  private static List<Integer> join(List<CompletableFuture<List<Integer>>> calls) {
    List<Integer> accepted = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<List<Integer>> call : calls) {
      try {
        accepted.addAll(call.join());
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (accepted.isEmpty() && failure != null) {
      throw failure;
    }
    return accepted;
  }

  /**
   * Sends up to ten messages; as one call when their bodies fit SQS's 256 KiB a call, else in as
   * many calls as they need (a Job of large parameters). When a later call fails, what SQS took
   * before stays taken (to be marked SENT); the rest is tried again. Returns the indexes sent.
   */
  private List<Integer> sendBatch(Job job, String queueUrl, List<List<PendingTask>> batch) {
    List<List<SendMessageBatchRequestEntry>> calls = new ArrayList<>();
    List<SendMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
    Map<String, List<PendingTask>> byId = new java.util.HashMap<>();
    int bytes = 0;
    for (List<PendingTask> tasks : batch) {
      PendingTask first = tasks.get(0);
      String body = Messages.encode(message(job, tasks));
      int size = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (!entries.isEmpty() && bytes + size > QueueAdmin.MAX_MESSAGE_BYTES) {
        calls.add(entries);
        entries = new ArrayList<>(batch.size());
        bytes = 0;
      }
      String id = Integer.toString(first.index());
      byId.put(id, tasks);
      entries.add(
          SendMessageBatchRequestEntry.builder()
              .id(id)
              .messageBody(body)
              .delaySeconds(first.attempted() ? UNCONFIRMED_DELAY_SECONDS : 0)
              .build());
      bytes += size;
    }
    calls.add(entries);
    List<Integer> accepted = new ArrayList<>();
    for (List<SendMessageBatchRequestEntry> call : calls) {
      try {
        for (String id : call(job, queueUrl, call)) {
          byId.get(id).forEach(t -> accepted.add(t.index()));
          messages.increment();
        }
      } catch (RuntimeException e) {
        if (accepted.isEmpty()) {
          throw e;
        }
        break;
      }
    }
    return accepted;
  }

  private List<String> call(Job job, String queueUrl, List<SendMessageBatchRequestEntry> entries) {
    SendMessageBatchResponse response =
        sendLatency.record(() -> sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)));
    if (response.hasFailed() && !response.failed().isEmpty()) {
      log.warn(
          "Job {}: SQS refused {} of {} messages: {}",
          job.ref(),
          response.failed().size(),
          entries.size(),
          response.failed().get(0).message());
    }
    return response.successful().stream().map(e -> e.id()).toList();
  }

  /** The message of these tasks (consecutive, with the same attempts made): alone, or packed. */
  static TaskMessage message(Job job, List<PendingTask> tasks) {
    if (tasks.size() == 1) {
      return message(job, tasks.get(0));
    }
    List<TaskMessage> each = tasks.stream().map(t -> message(job, t)).toList();
    TaskMessage first = each.get(0);
    return first.carrying(
        IndexSet.range(first.index(), each.get(each.size() - 1).index()),
        each.stream().map(TaskMessage::params).toList(),
        first.priorAttempts(),
        first.priorDeliveries());
  }

  static TaskMessage message(Job job, PendingTask task) {
    JobSpec spec = job.getSpec();
    ObjectNode params;
    if (task.params() != null) {
      try {
        params = (ObjectNode) Messages.mapper().readTree(task.params());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("task row " + task.index() + " holds bad JSON", e);
      }
    } else {
      params =
          spec.getParameters() instanceof ObjectNode object
              ? object
              : JsonNodeFactory.instance.objectNode();
    }
    return new TaskMessage(
        TaskMessage.VERSION,
        job.getMetadata().getUid(),
        job.getMetadata().getNamespace(),
        job.getMetadata().getName(),
        task.index(),
        spec.taskCount(),
        spec.getHandler(),
        spec.getCommand(),
        params,
        spec.effectiveMaxAttempts(),
        spec.effectiveTaskTimeoutSeconds(),
        spec.effectiveBackoff(),
        Math.min(task.attempts(), JobSpec.MAX_ATTEMPTS_LIMIT));
  }

  /**
   * Stops every pass after its current round: the round's sends finish and its rows are marked
   * {@code SENT}, so that a restarted operator sends none of them again. (Shutting the senders down
   * under a round would leave rows whose sends began and never confirmed, sent again late.)
   */
  @Override
  public void close() {
    slots.values().forEach(s -> s.stopped = true);
    slots.clear();
    retries.shutdownNow();
    passes.shutdown();
    try {
      passes.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    senders.shutdown();
    try {
      senders.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
