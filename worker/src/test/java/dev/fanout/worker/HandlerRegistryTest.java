package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.worker.handlers.NoopHandler;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class HandlerRegistryTest {

  @Test
  void findsTheBuiltInsAndPlugInsThroughServiceLoader() {
    HandlerRegistry registry = HandlerRegistry.load();
    assertThat(registry.names()).contains("noop", "sleep", "fail", "exec", "count");
    assertThat(registry.find("noop")).isInstanceOf(NoopHandler.class);
    assertThat(registry.find("nope")).isNull();
    assertThat(registry.unknownMessage("nope"))
        .startsWith("no task handler named \"nope\" in this worker; it has: ")
        .contains("count, exec, fail, noop, sleep");
  }

  @Test
  void theFirstOfTwoHandlersWithOneNameWins() {
    TaskHandler other =
        new TaskHandler() {
          @Override
          public String name() {
            return "noop";
          }

          @Override
          public TaskResult run(TaskContext ctx) {
            return TaskResult.failure("Error", "not me");
          }
        };
    NoopHandler first = new NoopHandler();
    assertThat(new HandlerRegistry(List.of(first, other)).find("noop")).isSameAs(first);
  }
}
