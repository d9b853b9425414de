package dev.fanout.worker;

import dev.fanout.api.FailurePolicy;
import dev.fanout.api.Job;
import dev.fanout.api.TaskFailure;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.Reasons;
import dev.fanout.worker.Admission.Decision;
import dev.fanout.worker.AttemptPolicy.Verdict;
import dev.fanout.worker.HandlerInvoker.Invocation;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Takes one delivered task from receipt to its end: checks its Job, runs its handler, and routes
 * the outcome — to the status writer when final, back onto the queue after the Job's backoff when
 * another attempt follows, back onto the queue uncounted when the worker stops first.
 */
final class TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

  /** When the Job cannot be read, the task is put back for this long. */
  private static final int LOOKUP_RETRY_SECONDS = 10;

  /** Parts of the worker a runner works with. */
  record Parts(
      JobCache jobs,
      HandlerRegistry handlers,
      HandlerInvoker invoker,
      TaskQueue queue,
      Heartbeat heartbeat,
      StatusWriter writer,
      TaskLedger ledger,
      HandBack handBack,
      WorkerMetrics metrics) {}

  private static final ThreadFactory TASK_THREADS =
      Thread.ofVirtual().name("packed-task-", 0).factory();

  private final Parts p;
  private final String workerId;
  private final Clock clock;
  private final BooleanSupplier stopping;

  /** Handlers running at once: the worker's concurrency, whether tasks come alone or packed. */
  private final Semaphore running;

  TaskRunner(Parts parts, String workerId, Clock clock, BooleanSupplier stopping, int concurrency) {
    this.p = parts;
    this.workerId = workerId;
    this.clock = clock;
    this.stopping = stopping;
    this.running = new Semaphore(concurrency);
  }

  void handle(Message message) {
    List<Delivery> deliveries;
    try {
      deliveries = Delivery.all(message, clock.millis());
    } catch (Messages.BadMessageException e) {
      // Not a task of ours; nothing could ever run it.
      p.metrics().badMessage();
      log.error("Deleting message {}: {}", message.messageId(), e.getMessage());
      try {
        p.queue().delete(message.receiptHandle());
      } catch (RuntimeException deleteFailed) {
        log.warn("Cannot delete message {}: {}", message.messageId(), deleteFailed.toString());
      }
      return;
    }
    Delivery first = deliveries.get(0);
    p.metrics().waited(first.sentAtMillis(), first.receivedAtMillis());
    if (first.packed() == null) {
      admitOrLeave(first);
      return;
    }
    // Several tasks: each its own thread, at most the worker's concurrency running (permits); the
    // message stays hidden until every one of them is settled.
    p.heartbeat().track(first);
    try (ExecutorService tasks = Executors.newThreadPerTaskExecutor(TASK_THREADS)) {
      for (Delivery d : deliveries) {
        tasks.execute(() -> admitOrLeave(d));
      }
    }
  }

  private void admitOrLeave(Delivery delivery) {
    try {
      admit(delivery);
    } catch (RuntimeException e) {
      // The message is left alone and comes back after its visibility timeout; a task of a message
      // of several comes back alone, a little later, as one whose Job could not be read.
      log.warn(
          "Job {}: task {} attempt {}: {}",
          delivery.jobRef(),
          delivery.task().index(),
          delivery.attempt(),
          e.toString());
      if (delivery.packed() != null) {
        try {
          p.queue().defer(delivery, LOOKUP_RETRY_SECONDS);
        } catch (RuntimeException also) {
          log.debug("Job {}: {}", delivery.jobRef(), also.toString());
        }
      }
    }
  }

  private void admit(Delivery received) {
    // Names, UID and index only, until the Job is known: the rest of the message is not trusted.
    TaskMessage task = received.task();
    Boolean replaced = p.jobs().goneReplaced(task.namespace(), task.name(), task.jobUid());
    if (replaced != null) {
      drop(received, replaced ? Decision.JOB_REPLACED : Decision.JOB_GONE);
      return;
    }
    Job job;
    try {
      job = p.jobs().lookup(task.namespace(), task.name(), task.jobUid());
    } catch (KubernetesClientException e) {
      log.warn(
          "Job {}: cannot read it ({}); task {} comes back in {} s",
          task.jobRef(),
          e.getMessage(),
          task.index(),
          LOOKUP_RETRY_SECONDS);
      p.queue().defer(received, LOOKUP_RETRY_SECONDS);
      return;
    }
    // From here on, what runs is what the Job's spec says, not the message (invariant 8).
    Delivery d =
        job != null && task.jobUid().equals(job.getMetadata().getUid()) && job.getSpec() != null
            ? received.trusting(job.getSpec())
            : received;
    Decision decision =
        Admission.decide(
            job,
            task.jobUid(),
            task.index(),
            d.attempt(),
            d.maxAttempts(),
            p.ledger().recorded(task.jobUid()));
    if (decision == Decision.RUN && p.invoker().ended(task.jobUid()) != null) {
      // The informer told of the Job's end after the copy read above.
      decision = Decision.JOB_FINISHED;
    }
    if (decision.dropsMessage()) {
      drop(d, decision);
      return;
    }
    if (d.redeliveredPacked() && (decision == Decision.RUN || decision == Decision.WORKER_LOST)) {
      // An earlier delivery of the message ended without settling this task: it goes on alone.
      log.debug(
          "Job {}: task {} of {} delivered again; it goes on alone",
          task.jobRef(),
          task.index(),
          d.packed());
      p.metrics().skipped("split");
      p.queue().split(d);
      return;
    }
    if (decision == Decision.SUSPENDED) {
      // Handed back to the operator's rows once, to be sent again on resume, rather than going
      // round the queue every few seconds for as long as the Job stays suspended.
      log.debug(
          "Job {}: suspended; task {} goes back to the operator", task.jobRef(), task.index());
      p.metrics().skipped(decision.skipTag);
      p.queue().sendOutcomes(List.of(returned(d)));
      p.queue().settle(d);
      return;
    }
    // Tracked first: a copy held below may be settled by another thread at once.
    p.heartbeat().track(d);
    if (!p.ledger().startOrHold(d)) {
      // Kept hidden here, costing no receive, until the run under way ends (see letGo and
      // StatusWriter): a late re-send or a duplicate must not fail a healthy task.
      log.debug("Job {}: task {} is in flight here; its copy waits", task.jobRef(), task.index());
      p.metrics().skipped("in_flight");
      return;
    }
    try {
      if (decision == Decision.WORKER_LOST) {
        failLost(d);
      } else {
        run(d, job.getSpec().getFailurePolicy());
      }
    } catch (RuntimeException e) {
      letGo(d, 0);
      throw e;
    }
  }

  private void drop(Delivery d, Decision decision) {
    if (decision == Decision.NO_SUCH_TASK) {
      p.metrics().badMessage();
      log.warn(
          "Job {}: deleting message {}: the Job has no task {}",
          d.jobRef(),
          d.messageId(),
          d.task().index());
    } else {
      log.debug("Job {}: dropping task {} ({})", d.jobRef(), d.task().index(), decision);
      p.metrics().skipped(decision.skipTag);
    }
    p.queue().settle(d);
  }

  private void failLost(Delivery d) {
    TaskMessage task = d.task();
    String message = Admission.workerLostMessage(d.attempt(), d.maxAttempts());
    log.info("Job {}: task {} failed: {}", task.jobRef(), task.index(), message);
    TaskResult result = TaskResult.permanentFailure(Reasons.WORKER_LOST, message);
    Invocation none = new Invocation(result, false, clock.millis(), 0);
    int attemptsMade = d.attempt() - 1;
    p.metrics().attemptEnded(Outcome.Kind.FAILED, 0);
    p.writer()
        .add(
            new PendingOutcome(
                d,
                Finished.failure(task.index(), attemptsMade, Reasons.WORKER_LOST, message),
                outcome(d, none, Outcome.Kind.FAILED)));
  }

  /**
   * Runs the handler and settles the delivery: its outcome goes to the status writer (which then
   * owns the message), or the message is let go for a later attempt.
   */
  private void run(Delivery d, FailurePolicy policy) {
    TaskMessage task = d.task();
    if (stopping.getAsBoolean()) {
      handBack(d, false);
      return;
    }
    if (d.mayHaveKilled()) {
      // An earlier delivery may have died with its worker, killed by this very task. (A retry sent
      // as a message of its own follows an attempt that reported its failure: no such fear.)
      p.writer().flushNow();
    }
    TaskHandler handler = p.handlers().find(task.handler());
    Invocation invocation;
    if (handler == null) {
      TaskResult unknown =
          TaskResult.permanentFailure(
              Reasons.UNKNOWN_HANDLER, p.handlers().unknownMessage(task.handler()));
      invocation = new Invocation(unknown, false, clock.millis(), 0);
    } else {
      try {
        running.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        handBack(d, false);
        return;
      }
      if (stopping.getAsBoolean()) {
        // Waited for a slot behind the other tasks of its message while the worker was told to
        // stop: it goes back unstarted.
        running.release();
        handBack(d, false);
        return;
      }
      p.metrics().running().incrementAndGet();
      try {
        invocation = p.invoker().invoke(handler, d);
      } finally {
        p.metrics().running().decrementAndGet();
        running.release();
      }
    }
    if (invocation.stoppedByShutdown()) {
      // Says nothing about the task: it runs again elsewhere, and this attempt does not count.
      handBack(d, invocation.started());
      return;
    }
    if (!invocation.started()) {
      log.debug("Job {}: ended; dropping task {}", task.jobRef(), task.index());
      p.metrics().skipped(Decision.JOB_FINISHED.skipTag);
      letGo(d, 0);
      p.queue().settle(d);
      return;
    }
    if (stopping.getAsBoolean()) {
      p.handBack().finished();
    }
    TaskResult result = invocation.result();
    Verdict verdict =
        AttemptPolicy.after(result, d.attempt(), d.maxAttempts(), task.backoff(), policy);
    if (verdict.kind() == Verdict.Kind.IGNORED && d.deliveries() >= p.queue().receiveCeiling()) {
      // Bounded all the same: the queue would have dead-lettered a task delivered this often.
      result =
          TaskResult.permanentFailure(
              Reasons.DEAD_LETTERED,
              "delivered "
                  + d.deliveries()
                  + " times, the queue's receive ceiling; its failed attempts were not counted, as "
                  + verdict.rule()
                  + " (Ignore) says; last: "
                  + result.message());
      invocation = invocation.withResult(result);
      verdict = new Verdict(Verdict.Kind.FAILED, 0);
    } else if (verdict.rule() != null && verdict.kind() != Verdict.Kind.IGNORED) {
      result = byPolicy(result, verdict);
      invocation = invocation.withResult(result);
    }
    Outcome.Kind kind =
        switch (verdict.kind()) {
          case SUCCEEDED -> Outcome.Kind.SUCCEEDED;
          case RETRY, IGNORED -> Outcome.Kind.RETRYING;
          case FAILED, FAILED_JOB -> Outcome.Kind.FAILED;
        };
    p.metrics().attemptEnded(kind, invocation.durationMillis());
    Outcome outcome = outcome(d, invocation, kind);
    switch (verdict.kind()) {
      case RETRY -> {
        log.info(
            "Job {}: task {} attempt {} of {} failed ({}: {}); next attempt in {} s",
            task.jobRef(),
            task.index(),
            d.attempt(),
            d.maxAttempts(),
            result.reason(),
            outcome.message(),
            verdict.retryDelaySeconds());
        retry(d, outcome, verdict.retryDelaySeconds());
      }
      case IGNORED -> {
        log.info(
            "Job {}: task {} attempt {} failed ({}: {}); not counted, as {} (Ignore) says; next"
                + " attempt in {} s",
            task.jobRef(),
            task.index(),
            d.attempt(),
            result.reason(),
            outcome.message(),
            verdict.rule(),
            verdict.retryDelaySeconds());
        ignore(d, outcome, verdict.retryDelaySeconds());
      }
      case SUCCEEDED ->
          p.writer()
              .add(new PendingOutcome(d, Finished.success(task.index(), d.attempt()), outcome));
      default -> {
        log.info(
            "Job {}: task {} failed on attempt {} ({}: {})",
            task.jobRef(),
            task.index(),
            d.attempt(),
            result.reason(),
            outcome.message());
        Finished failed =
            Finished.failure(task.index(), d.attempt(), result.reason(), outcome.message());
        p.writer().add(new PendingOutcome(d, failed, outcome));
      }
    }
  }

  /**
   * The result as the failure-policy rule that matched it leaves it: FailJob fails the task with
   * reason FailurePolicy, which the operator turns into the Job's verdict; FailIndex keeps the
   * reason and names the rule.
   */
  private static TaskResult byPolicy(TaskResult result, Verdict verdict) {
    String code = "exit code " + result.exitCode();
    if (verdict.kind() == Verdict.Kind.FAILED_JOB) {
      return new TaskResult(
          false,
          false,
          Reasons.FAILURE_POLICY,
          code + " matched " + verdict.rule() + " (FailJob); " + result.message(),
          null,
          result.exitCode());
    }
    return new TaskResult(
        false,
        false,
        result.reason(),
        code + " matched " + verdict.rule() + " (FailIndex); " + result.message(),
        null,
        result.exitCode());
  }

  /**
   * An attempt the failure policy does not count: the task goes back as a copy that makes the same
   * attempt again after the delay (its deliveries still add up toward the receive ceiling).
   */
  private void ignore(Delivery d, Outcome outcome, int delaySeconds) {
    letGo(d, delaySeconds);
    if (d.packed() != null) {
      p.queue().ignore(d, delaySeconds, outcome);
      return;
    }
    try {
      p.queue().sendOutcomes(List.of(outcome));
    } catch (RuntimeException e) {
      log.debug("Job {}: cannot report an ignored attempt: {}", d.jobRef(), e.toString());
    }
    p.queue().ignore(d, delaySeconds);
  }

  private void retry(Delivery d, Outcome outcome, int delaySeconds) {
    letGo(d, delaySeconds);
    if (d.packed() != null) {
      // Reported with the other tasks of its message when that goes, in one call.
      p.queue().retryLater(d, delaySeconds, outcome);
      return;
    }
    try {
      p.queue().sendOutcomes(List.of(outcome));
    } catch (RuntimeException e) {
      // The operator learns of the retry from the next outcome; the retry itself matters more.
      log.debug("Job {}: cannot report a retry: {}", d.jobRef(), e.toString());
    }
    p.queue().retryLater(d, delaySeconds);
  }

  /**
   * Gives the message up before making it visible again: else the heartbeat could hide it for a
   * full timeout more, or its next delivery, on this worker, could find it still in flight here.
   * Copies that waited for it come back after {@code copiesInSeconds}, as it does: one may be the
   * same message under a newer receipt, so none is deleted while the task is not recorded.
   */
  private void letGo(Delivery d, int copiesInSeconds) {
    p.heartbeat().untrack(d);
    for (Delivery copy : p.ledger().abandon(d.task().jobUid(), d.task().index())) {
      p.heartbeat().untrack(copy);
      try {
        p.queue().returnLater(copy, copiesInSeconds);
      } catch (RuntimeException e) {
        // It comes back after its visibility timeout instead.
        log.debug("Job {}: cannot let a copy of task {} go: {}", d.jobRef(), d.task().index(), e);
      }
    }
  }

  /**
   * Gives the task back to the queue uncounted, for another worker, as {@link #letGo} gives it up:
   * the copies of its message that waited for it here go with it.
   */
  private void handBack(Delivery d, boolean started) {
    p.heartbeat().untrack(d);
    List<Delivery> copies = p.ledger().abandon(d.task().jobUid(), d.task().index());
    copies.forEach(p.heartbeat()::untrack);
    p.handBack().task(d, copies, started);
  }

  /** A task handed back unrun, with the attempts made so far, for its row. */
  private Outcome returned(Delivery d) {
    TaskMessage task = d.task();
    return new Outcome(
        task.jobUid(),
        task.namespace(),
        task.name(),
        task.index(),
        d.attempt() - 1,
        Outcome.Kind.RETURNED,
        null,
        null,
        null,
        0,
        0,
        workerId);
  }

  private Outcome outcome(Delivery d, Invocation invocation, Outcome.Kind kind) {
    TaskMessage task = d.task();
    TaskResult result = invocation.result();
    return new Outcome(
        task.jobUid(),
        task.namespace(),
        task.name(),
        task.index(),
        d.attempt(),
        kind,
        result.reason(),
        TaskFailure.truncate(result.message()),
        TaskFailure.truncate(result.result()),
        invocation.startedAtMillis(),
        invocation.durationMillis(),
        workerId);
  }
}
