package dev.fanout.operator.reconcile;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.common.status.JobStatusWriter;
import dev.fanout.common.status.OperatorFields;
import dev.fanout.common.status.Reasons;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.queue.QueueAdmin;
import dev.fanout.operator.queue.TaskFanout;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each Job into task rows and queue messages and keeps its phase: validate, create the rows
 * once, send what parallelism allows, decide the phase from what workers recorded, write the
 * operator's own status fields if they changed, and clean up on deletion.
 */
@ControllerConfiguration(name = "fanout-job", generationAwareEventProcessing = false)
public class JobReconciler implements Reconciler<Job>, Cleaner<Job> {
  private static final Logger log = LoggerFactory.getLogger(JobReconciler.class);

  /**
   * Without end, every 5 s at most: JOSDK's default gives up after five tries (about 30 s), and
   * then nothing but the 10-hour resync would wake a Job whose database was away longer.
   */
  public static final Retry RETRY =
      new GenericRetry()
          .setInitialInterval(1_000)
          .setIntervalMultiplier(1.5)
          .setMaxInterval(5_000)
          .withoutMaxAttempts();

  private final KubernetesClient client;
  private final TaskStore store;
  private final QueueAdmin queues;
  private final TaskFanout fanout;
  private final JobPhaseGauges phases;
  private final JobStatusWriter statusWriter;
  private final Counter errors;
  private final Clock clock;

  public JobReconciler(
      KubernetesClient client,
      JobStatusWriter statusWriter,
      TaskStore store,
      QueueAdmin queues,
      TaskFanout fanout,
      MeterRegistry registry,
      Clock clock) {
    this.client = client;
    this.store = store;
    this.queues = queues;
    this.fanout = fanout;
    this.phases = new JobPhaseGauges(registry);
    this.statusWriter = statusWriter;
    this.errors = registry.counter("fanout_reconcile_errors");
    this.clock = clock;
  }

  @Override
  public UpdateControl<Job> reconcile(Job job, Context<Job> context) {
    Instant now = clock.instant();
    String uid = job.getMetadata().getUid();
    JobSpec spec = job.getSpec();
    JobStatus status = job.getStatus();
    List<String> problems = new ArrayList<>();
    RuntimeException databaseDown = null;
    if (status == null || !status.isFinished()) {
      problems.addAll(SpecValidator.validate(spec));
      if (problems.isEmpty()) {
        try {
          problems.addAll(TaskRows.ensure(store, job, status));
        } catch (RuntimeException e) {
          if (!started(status)) {
            throw e;
          }
          // The rows exist: what the status holds decides the phase without the database.
          databaseDown = e;
        }
      }
    }
    Instant startTime = startTime(spec, status, problems, now);
    JobPhases.Decision decision = JobPhases.decide(spec, status, problems, startTime, now);
    switch (decision.phase()) {
      case Running -> {
        if (databaseDown == null) {
          queues.taskQueue(spec.effectivePool());
          fanout.request(job);
        }
      }
      default -> fanout.forget(uid);
    }
    phases.set(uid, decision.phase());
    OperatorFields next = next(job, decision, startTime, now);
    if (!next.sameAs(status)
        && statusWriter.writeOperatorFields(job, next, decision.reason(), decision.message(), now)
            == JobStatusWriter.Result.WRITTEN) {
      log.info(
          "Job {}: {}{}",
          job.ref(),
          decision.phase(),
          decision.message() == null ? "" : " (" + decision.message() + ")");
    }
    if (databaseDown != null) {
      // Retried every few seconds (RETRY) until the database answers again.
      throw databaseDown;
    }
    if (decision.phase().isFinished()) {
      closeRows(job, decision);
    }
    return reschedule(job, decision, startTime, next, now);
  }

  /** A Job whose rows were made: its status carries the total and a start time. */
  private static boolean started(JobStatus status) {
    return status != null && status.getTotal() != null && status.getStartTime() != null;
  }

  /**
   * When the Job started; reset to now as it resumes from a suspension, as a Kubernetes Job's is,
   * so that {@code activeDeadlineSeconds} counts the time it may run, not the time it was held.
   */
  private static Instant startTime(
      JobSpec spec, JobStatus status, List<String> problems, Instant now) {
    if (status != null && status.getStartTime() != null) {
      boolean resuming =
          status.getPhase() == JobPhase.Suspended && spec != null && !spec.isSuspended();
      return resuming && problems.isEmpty() ? now : Instant.parse(status.getStartTime());
    }
    return problems.isEmpty() ? now : null;
  }

  private OperatorFields next(
      Job job, JobPhases.Decision decision, Instant startTime, Instant now) {
    JobStatus status = job.getStatus();
    String completion = status == null ? null : status.getCompletionTime();
    if (completion == null && decision.phase().isFinished()) {
      completion = now.toString();
    }
    // The total is fixed once known: a later edit that made the spec invalid does not change it
    // (and a merge patch can't remove it: nulls are left out).
    Integer total = status == null ? null : status.getTotal();
    if (total == null && !Reasons.INVALID_SPEC.equals(decision.reason())) {
      total = job.getSpec().taskCount();
    }
    return new OperatorFields(
        decision.phase(),
        total,
        startTime == null ? null : startTime.toString(),
        completion,
        job.getMetadata().getGeneration(),
        JobPhases.conditions(decision, status == null ? null : status.getConditions(), now));
  }

  /** Rows of a finished Job are settled once: the sets' verdicts, NOT_RUN for the rest. */
  private void closeRows(Job job, JobPhases.Decision decision) {
    JobRecord record = store.find(job.getMetadata().getUid());
    if (record == null || record.getFinishedAt() != null) {
      return;
    }
    JobStatus status = job.getStatus();
    store.finish(
        record.getUid(),
        decision.phase().name(),
        status == null ? dev.fanout.api.IndexSet.EMPTY : status.completed(),
        status == null ? dev.fanout.api.IndexSet.EMPTY : status.failedSet(),
        clock.instant());
  }

  /** Timers, not polls: the deadline while running (not while suspended), the TTL once finished. */
  private UpdateControl<Job> reschedule(
      Job job, JobPhases.Decision decision, Instant startTime, OperatorFields next, Instant now) {
    UpdateControl<Job> control = UpdateControl.noUpdate();
    if (decision.phase() == JobPhase.Running) {
      Duration left = JobPhases.deadlineLeft(job.getSpec(), startTime, now);
      if (left != null) {
        return control.rescheduleAfter(left.plusMillis(50));
      }
      return control;
    }
    Integer ttl = job.getSpec() == null ? null : job.getSpec().getTtlSecondsAfterFinished();
    if (decision.phase().isFinished() && ttl != null && next.completionTime() != null) {
      Duration left = Duration.between(now, Instant.parse(next.completionTime()).plusSeconds(ttl));
      if (!left.isPositive()) {
        log.info(
            "Job {}: deleting, {} s after it finished (spec.ttlSecondsAfterFinished)",
            job.ref(),
            ttl);
        client.resource(job).delete();
        return control;
      }
      return control.rescheduleAfter(left.plusMillis(50));
    }
    return control;
  }

  @Override
  public DeleteControl cleanup(Job job, Context<Job> context) {
    String uid = job.getMetadata().getUid();
    fanout.forget(uid);
    phases.remove(uid);
    JobRecord record = store.find(uid);
    if (record != null) {
      JobStatus status = job.getStatus();
      if (record.getFinishedAt() == null) {
        store.finish(
            uid,
            "Deleted",
            status == null ? dev.fanout.api.IndexSet.EMPTY : status.completed(),
            status == null ? dev.fanout.api.IndexSet.EMPTY : status.failedSet(),
            clock.instant());
      }
      store.markDeleted(uid, clock.instant());
      log.info("Job {}: deleted; its task rows stay as history", job.ref());
    }
    return DeleteControl.defaultDelete();
  }

  @Override
  public ErrorStatusUpdateControl<Job> updateErrorStatus(
      Job job, Context<Job> context, Exception e) {
    errors.increment();
    log.warn("Job {}: reconcile failed, will retry: {}", job.ref(), e.toString());
    return ErrorStatusUpdateControl.noStatusUpdate();
  }
}
