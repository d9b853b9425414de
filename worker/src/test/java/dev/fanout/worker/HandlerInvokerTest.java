package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.worker.HandlerInvoker.Invocation;
import dev.fanout.worker.handlers.SleepHandler;
import dev.fanout.worker.spi.InvalidParameterException;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HandlerInvokerTest {
  private final HandlerInvoker invoker = new HandlerInvoker(Clock.systemUTC());

  static Delivery delivery(int timeoutSeconds, ObjectNode params) {
    TaskMessage task =
        new TaskMessage(1, "uid", "ns", "job", 0, 1, "x", null, params, 3, timeoutSeconds, null, 0);
    return new Delivery("m", "r", task, 1, 0, 0);
  }

  static TaskHandler handler(ThrowingRun run) {
    return new TaskHandler() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public TaskResult run(TaskContext ctx) throws Exception {
        return run.run(ctx);
      }
    };
  }

  interface ThrowingRun {
    TaskResult run(TaskContext ctx) throws Exception;
  }

  @Test
  void returnsWhatTheHandlerReturns() {
    Invocation inv = invoker.invoke(handler(ctx -> TaskResult.success("ok")), delivery(5, null));
    assertThat(inv.result()).isEqualTo(TaskResult.success("ok"));
    assertThat(inv.stoppedByShutdown()).isFalse();
    assertThat(inv.startedAtMillis()).isPositive();
  }

  @Test
  void anExceptionFailsTheAttempt() {
    Invocation inv =
        invoker.invoke(
            handler(
                ctx -> {
                  throw new IllegalStateException("disk full");
                }),
            delivery(5, null));
    assertThat(inv.result())
        .isEqualTo(TaskResult.failure("Error", "IllegalStateException: disk full"));
  }

  @Test
  void aBadParameterFailsTheTaskForGood() {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("ms", "soon");
    Invocation inv = invoker.invoke(new SleepHandler(), delivery(5, params));
    assertThat(inv.result().retryable()).isFalse();
    assertThat(inv.result().reason()).isEqualTo("InvalidParameters");
    assertThat(inv.result().message()).contains("\"ms\"");
  }

  @Test
  void anInvalidParameterExceptionFromAnyHandlerIsFinal() {
    Invocation inv =
        invoker.invoke(
            handler(
                ctx -> {
                  throw new InvalidParameterException("parameter \"url\" must be a URL");
                }),
            delivery(5, null));
    assertThat(inv.result())
        .isEqualTo(
            TaskResult.permanentFailure("InvalidParameters", "parameter \"url\" must be a URL"));
  }

  @Test
  void nothingReturnedIsAFailure() {
    Invocation inv = invoker.invoke(handler(ctx -> null), delivery(5, null));
    assertThat(inv.result().reason()).isEqualTo("Error");
  }

  @Test
  void pastTheTimeoutTheHandlerIsInterruptedAndTheAttemptTimesOut() {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("ms", 60_000);
    long start = System.nanoTime();
    Invocation inv = invoker.invoke(new SleepHandler(), delivery(1, params));
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
    assertThat(inv.result().reason()).isEqualTo("Timeout");
    assertThat(inv.result().retryable()).isTrue();
    assertThat(inv.result().message()).contains("taskTimeoutSeconds (1 s)");
    assertThat(inv.stoppedByShutdown()).isFalse();
  }

  @Test
  void stopAllStopsRunningHandlersAsShutdown() throws Exception {
    CompletableFuture<Boolean> sawCancel = new CompletableFuture<>();
    var invocation =
        CompletableFuture.supplyAsync(
            () ->
                invoker.invoke(
                    handler(
                        ctx -> {
                          try {
                            Thread.sleep(60_000);
                          } finally {
                            sawCancel.complete(ctx.isCancelled());
                          }
                          return TaskResult.success();
                        }),
                    delivery(600, null)));
    await().until(() -> invoker.running() == 1);
    invoker.stopAll();
    Invocation inv = invocation.get();
    assertThat(inv.stoppedByShutdown()).isTrue();
    assertThat(sawCancel.get()).isTrue();
    assertThat(invoker.running()).isZero();
  }

  @Test
  void afterStopAllNoHandlerStartsAndTheAttemptGoesBackAsStoppedByShutdown() {
    invoker.stopAll();
    Invocation late =
        invoker.invoke(
            handler(
                ctx -> {
                  throw new AssertionError("must not run");
                }),
            delivery(600, null));
    assertThat(late.started()).isFalse();
    assertThat(late.stoppedByShutdown()).isTrue();
    assertThat(invoker.running()).isZero();
  }

  @Test
  void aHandlerThatIgnoresTheShutdownIsAbandonedAfterTheStopWaitAndStillCountsAsStopped()
      throws Exception {
    CompletableFuture<Void> release = new CompletableFuture<>();
    var invocation =
        CompletableFuture.supplyAsync(
            () ->
                invoker.invoke(
                    handler(
                        ctx -> {
                          while (!release.isDone()) {
                            try {
                              release.get();
                            } catch (InterruptedException ignored) {
                              // A handler that swallows its interruption.
                            }
                          }
                          return TaskResult.failure("Error", "gave up at last");
                        }),
                    delivery(600, null)));
    await().until(() -> invoker.running() == 1);
    long start = System.nanoTime();
    invoker.stopAll();
    Invocation inv = invocation.get();
    release.complete(null);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("not the task's 600 s timeout")
        .isBetween(
            HandlerInvoker.STOP_WAIT.minusMillis(100), HandlerInvoker.STOP_WAIT.plusSeconds(3));
    assertThat(inv.stoppedByShutdown()).isTrue();
    assertThat(invoker.running()).isZero();
  }

  @Test
  void stopJobStopsOnlyThatJobsAttemptsAndFailsThemForGood() throws Exception {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("ms", 60_000);
    TaskMessage other =
        new TaskMessage(1, "other", "ns", "b", 0, 1, "x", null, params, 3, 600, null, 0);
    var ended =
        CompletableFuture.supplyAsync(
            () -> invoker.invoke(new SleepHandler(), delivery(600, params)));
    var running =
        CompletableFuture.supplyAsync(
            () -> invoker.invoke(new SleepHandler(), new Delivery("m2", "r2", other, 1, 0, 0)));
    await().until(() -> invoker.running() == 2);

    invoker.stopJob("uid", "the Job was deleted");

    Invocation inv = ended.get();
    assertThat(inv.stoppedByShutdown()).isFalse();
    assertThat(inv.started()).isTrue();
    assertThat(inv.result().reason()).isEqualTo("JobEnded");
    assertThat(inv.result().retryable()).isFalse();
    assertThat(inv.result().message()).startsWith("stopped after ").endsWith("the Job was deleted");
    assertThat(running).isNotDone();
    assertThat(invoker.running()).isEqualTo(1);
    Invocation late =
        invoker.invoke(
            handler(
                ctx -> {
                  throw new AssertionError("must not run");
                }),
            delivery(600, params));
    assertThat(late.started()).isFalse();
    assertThat(late.result().reason()).isEqualTo("JobEnded");
    assertThat(late.result().message()).isEqualTo("not started: the Job was deleted");
    invoker.stopAll();
    assertThat(running.get().stoppedByShutdown()).isTrue();
  }
}
