package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.common.config.Env;
import dev.fanout.worker.handlers.NoopHandler;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskHandler;
import dev.fanout.worker.spi.TaskResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlerRegistryTest {

  @Test
  void findsTheBuiltInsAndPlugInsThroughServiceLoader() {
    HandlerRegistry registry = HandlerRegistry.load(WorkerConfig.from(new Env(Map.of())));
    assertThat(registry.names()).contains("noop", "sleep", "fail", "exec", "count");
    assertThat(registry.find("noop")).isInstanceOf(NoopHandler.class);
    assertThat(registry.find("nope")).isNull();
    assertThat(registry.unknownMessage("nope"))
        .startsWith("no task handler named \"nope\" in this worker; it has: ")
        .contains("count, exec, fail, noop, sleep");
  }

  @Test
  void aPoolWithExecTurnedOffFailsExecTasksNamingTheSettingAndRunsNothing(@TempDir Path dir)
      throws Exception {
    Path ran = dir.resolve("ran");
    HandlerRegistry registry =
        HandlerRegistry.load(
            WorkerConfig.from(
                new Env(Map.of("FANOUT_EXEC_ENABLED", "false", "FANOUT_POOL", "tenant-a"))));

    TaskResult result =
        registry
            .find("exec")
            .run(
                TaskContext.builder()
                    .job("ns", "job", "uid")
                    .command(List.of("sh", "-c", "touch " + ran))
                    .build());

    assertThat(result.succeeded()).isFalse();
    assertThat(result.retryable()).isFalse();
    assertThat(result.reason()).isEqualTo("ExecDisabled");
    assertThat(result.message())
        .contains("FANOUT_EXEC_ENABLED=false")
        .contains("pool \"tenant-a\"");
    assertThat(ran).doesNotExist();
    assertThat(registry.find("noop").run(TaskContext.builder().job("ns", "j", "u").build()))
        .isEqualTo(TaskResult.success());
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
