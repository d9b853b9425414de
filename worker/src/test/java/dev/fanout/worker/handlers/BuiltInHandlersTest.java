package dev.fanout.worker.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.worker.spi.InvalidParameterException;
import dev.fanout.worker.spi.TaskContext;
import dev.fanout.worker.spi.TaskResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuiltInHandlersTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static TaskContext task(int index, int attempt, String paramsJson) throws Exception {
    return TaskContext.builder()
        .job("ns", "job", "uid")
        .index(index)
        .attempt(attempt)
        .params((ObjectNode) JSON.readTree(paramsJson))
        .build();
  }

  @Test
  void noopSucceeds() throws Exception {
    assertThat(new NoopHandler().run(task(0, 1, "{}")).succeeded()).isTrue();
  }

  @ParameterizedTest(name = "index {0} attempt {1} with {2}: succeeds={3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0 | 1 | {}                                       | true",
        "0 | 1 | {\"failAttempts\": 2}                    | false",
        "0 | 2 | {\"failAttempts\": 2}                    | false",
        "0 | 3 | {\"failAttempts\": 2}                    | true",
        "4 | 9 | {\"failIndexes\": [1, 4]}                | false",
        "5 | 1 | {\"failIndexes\": [1, 4]}                | true",
        "1 | 3 | {\"failAttempts\": 2, \"failIndexes\": [1]} | false",
      })
  void failFailsAsTold(int index, int attempt, String params, boolean succeeds) throws Exception {
    TaskResult result = new FailHandler().run(task(index, attempt, params));
    assertThat(result.succeeded()).isEqualTo(succeeds);
    if (!succeeds) {
      assertThat(result.reason()).isEqualTo("Error");
      assertThat(result.retryable()).isTrue();
      assertThat(result.message()).isNotBlank();
    }
  }

  @Test
  void failRejectsParametersOfTheWrongType() {
    assertThatThrownBy(() -> new FailHandler().run(task(0, 1, "{\"failAttempts\": \"two\"}")))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("failAttempts");
    assertThatThrownBy(() -> new FailHandler().run(task(0, 1, "{\"failIndexes\": 3}")))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("failIndexes");
  }

  @Test
  void sleepSleepsForMs() throws Exception {
    long start = System.nanoTime();
    assertThat(new SleepHandler().run(task(0, 1, "{\"ms\": 200}")).succeeded()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(new SleepHandler().run(task(0, 1, "{}")).succeeded()).isTrue();
  }

  @Test
  void sleepRejectsABadMs() {
    assertThatThrownBy(() -> new SleepHandler().run(task(0, 1, "{\"ms\": \"soon\"}")))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("\"ms\"");
    assertThatThrownBy(() -> new SleepHandler().run(task(0, 1, "{\"ms\": -5}")))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("\"ms\"");
  }

  @Test
  void sleepEndsWhenInterrupted() throws Exception {
    Thread sleeper =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    new SleepHandler().run(task(0, 1, "{\"ms\": 60000}"));
                  } catch (Exception e) {
                    // expected
                  }
                });
    sleeper.interrupt();
    assertThat(sleeper.join(Duration.ofSeconds(5))).isTrue();
  }
}
