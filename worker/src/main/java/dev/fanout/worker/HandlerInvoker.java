package dev.fanout.worker;

import dev.fanout.api.JobSpec;
import dev.fanout.common.status.Reasons;
import dev.fanout.worker.spi.InvalidParameterException;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt of a handler on a thread of its own, so that past the task's timeout, at
 * shutdown, or when its Job ends, the attempt can be interrupted and the worker moves on whatever
 * the handler does.
 */
final class HandlerInvoker {
  private static final Logger log = LoggerFactory.getLogger(HandlerInvoker.class);

  /** How long a stopped handler gets to clean up (kill its processes) before it is abandoned. */
  static final Duration STOP_WAIT = Duration.ofSeconds(10);

  private static final int ENDED_JOBS = 1024;

  /** Why an attempt was stopped. */
  enum Stop {
    TIMEOUT,
    SHUTDOWN,
    /** The Job finished or was deleted while the attempt ran. */
    JOB_ENDED
  }

  /**
   * @param stoppedByShutdown the worker stopped this attempt, so it says nothing about the task
   * @param started false when the handler was never called: the task's Job had ended, or the worker
   *     was stopping
   */
  record Invocation(
      TaskResult result,
      boolean stoppedByShutdown,
      long startedAtMillis,
      long durationMillis,
      boolean started) {
    Invocation(
        TaskResult result, boolean stoppedByShutdown, long startedAtMillis, long durationMillis) {
      this(result, stoppedByShutdown, startedAtMillis, durationMillis, true);
    }

    /** The same run, ending with another result (as a failure-policy rule leaves it). */
    Invocation withResult(TaskResult other) {
      return new Invocation(other, stoppedByShutdown, startedAtMillis, durationMillis, started);
    }
  }

  private static final class Attempt {
    final String jobUid;
    final AtomicReference<Stop> stop = new AtomicReference<>();
    final CompletableFuture<Stop> stopped = new CompletableFuture<>();
    volatile String jobEnd;
    volatile Thread thread;

    Attempt(String jobUid) {
      this.jobUid = jobUid;
    }

    void stop(Stop why) {
      if (stop.compareAndSet(null, why)) {
        thread.interrupt();
        stopped.complete(why);
      }
    }
  }

  private final Clock clock;
  private final Set<Attempt> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stoppingAll;

  /** Recently ended Jobs by UID, with what became of them; a Job that ended stays ended. */
  private final Map<String, String> ended =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > ENDED_JOBS;
            }
          });

  HandlerInvoker(Clock clock) {
    this.clock = clock;
  }

  Invocation invoke(TaskHandler handler, Delivery delivery) {
    var task = delivery.task();
    int timeoutSeconds =
        task.timeoutSeconds() > 0 ? task.timeoutSeconds() : JobSpec.DEFAULT_TASK_TIMEOUT_SECONDS;
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    Attempt attempt = new Attempt(task.jobUid());
    TaskContext ctx =
        TaskContext.builder()
            .job(task.namespace(), task.name(), task.jobUid())
            .index(task.index())
            .attempt(delivery.attempt())
            .params(task.params())
            .command(task.command())
            .timeout(timeout)
            .cancelledWhen(() -> attempt.stop.get() != null)
            .build();
    CompletableFuture<TaskResult> done = new CompletableFuture<>();
    long startedAt = clock.millis();
    long startNanos = System.nanoTime();
    attempt.thread =
        Thread.ofVirtual()
            .name("task-" + task.jobRef() + "#" + task.index())
            .unstarted(() -> done.complete(call(handler, ctx)));
    running.add(attempt);
    try {
      // Checked after joining the running set: an end told from now on stops this attempt.
      String end = ended(task.jobUid());
      if (end != null) {
        return new Invocation(
            TaskResult.permanentFailure(Reasons.JOB_ENDED, "not started: " + end),
            false,
            startedAt,
            0,
            false);
      }
      if (stoppingAll) {
        // Past the grace period: a task let through just before the stop does not start now.
        return new Invocation(
            TaskResult.failure(TaskResult.ERROR, "not started: the worker is stopping"),
            true,
            startedAt,
            0,
            false);
      }
      attempt.thread.start();
      if (attempt.stop.get() != null) {
        // Stopped before it started, when an interrupt may not have stuck.
        attempt.thread.interrupt();
      }
      TaskResult result;
      try {
        CompletableFuture.anyOf(done, attempt.stopped).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        // Stopped (shutdown, the Job's end): a handler that ignores it is not waited for forever.
        result = done.isDone() ? done.get() : awaitStopped(done, task.jobRef(), task.index());
      } catch (TimeoutException e) {
        attempt.stop(Stop.TIMEOUT);
        result = awaitStopped(done, task.jobRef(), task.index());
      }
      Stop stop = attempt.stop.get();
      if (stop == Stop.TIMEOUT && !result.succeeded() && !Reasons.TIMEOUT.equals(result.reason())) {
        result =
            TaskResult.failure(
                Reasons.TIMEOUT,
                "did not finish within taskTimeoutSeconds (" + timeoutSeconds + " s)");
      }
      boolean byShutdown = stop == Stop.SHUTDOWN && !result.succeeded();
      long duration = (System.nanoTime() - startNanos) / 1_000_000;
      if (stop == Stop.JOB_ENDED && !result.succeeded()) {
        // No retry can help: the Job runs nothing more.
        result =
            TaskResult.permanentFailure(
                Reasons.JOB_ENDED, "stopped after " + duration + " ms: " + attempt.jobEnd);
      }
      return new Invocation(result, byShutdown, startedAt, duration);
    } catch (InterruptedException e) {
      // The runner itself is being torn down: stop the handler too.
      attempt.stop(Stop.SHUTDOWN);
      Thread.currentThread().interrupt();
      return new Invocation(
          TaskResult.failure(TaskResult.ERROR, "worker interrupted"),
          true,
          startedAt,
          (System.nanoTime() - startNanos) / 1_000_000);
    } catch (ExecutionException e) {
      throw new IllegalStateException("handler call cannot fail", e);
    } finally {
      running.remove(attempt);
    }
  }

  /**
   * Stops every running attempt, and starts none from now on: the worker is shutting down and the
   * grace period is over.
   */
  void stopAll() {
    stoppingAll = true;
    for (Attempt attempt : running) {
      attempt.stop(Stop.SHUTDOWN);
    }
  }

  /**
   * Stops the running attempts of a Job that finished or was deleted.
   *
   * @param why what became of the Job, for the attempts' messages
   */
  void stopJob(String jobUid, String why) {
    ended.put(jobUid, why);
    for (Attempt attempt : running) {
      if (attempt.jobUid.equals(jobUid) && attempt.stop.get() == null) {
        attempt.jobEnd = why;
        attempt.stop(Stop.JOB_ENDED);
      }
    }
  }

  /** What ended the Job, if this worker was told; else null. */
  String ended(String jobUid) {
    return ended.get(jobUid);
  }

  int running() {
    return running.size();
  }

  private static TaskResult awaitStopped(
      CompletableFuture<TaskResult> done, String jobRef, int index)
      throws InterruptedException, ExecutionException {
    try {
      return done.get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn(
          "Job {}: task {} ignored its interruption for {} s; abandoning its thread",
          jobRef,
          index,
          STOP_WAIT.toSeconds());
      return TaskResult.failure(Reasons.TIMEOUT, "did not stop when its timeout was reached");
    }
  }

  private static TaskResult call(TaskHandler handler, TaskContext ctx) {
    try {
      TaskResult result = handler.run(ctx);
      return result != null
          ? result
          : TaskResult.failure(TaskResult.ERROR, "handler " + handler.name() + " returned nothing");
    } catch (InvalidParameterException e) {
      return TaskResult.permanentFailure(Reasons.INVALID_PARAMETERS, e.getMessage());
    } catch (InterruptedException e) {
      // invoke() turns this into Timeout when the timeout was the reason.
      return TaskResult.failure(TaskResult.ERROR, "interrupted");
    } catch (Throwable e) {
      // A handler's bug (even an Error such as StackOverflowError) fails the attempt, not the
      // worker.
      return TaskResult.failure(TaskResult.ERROR, describe(e));
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + message;
  }
}
