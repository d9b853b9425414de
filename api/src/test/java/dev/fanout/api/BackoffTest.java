package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

  @ParameterizedTest(name = "initial={0} factor={1} max={2}: after attempt {3} wait {4}s")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "NULL, NULL, NULL, 1, 1",
        "NULL, NULL, NULL, 2, 2",
        "NULL, NULL, NULL, 3, 4",
        "NULL, NULL, NULL, 9, 256",
        "NULL, NULL, NULL, 10, 300",
        "NULL, NULL, NULL, 99, 300",
        "0, 2.0, 300, 5, 0",
        "5, 1.0, 300, 7, 5",
        "10, 3.0, 100, 3, 90",
        "10, 3.0, 100, 4, 100",
        "1, 100.0, 43200, 50, 43200",
      })
  void delayIsMinOfMaxAndInitialTimesFactorToTheAttemptMinusOne(
      Integer initial, Double factor, Integer max, int attempt, int expected) {
    assertThat(new Backoff(initial, factor, max).delaySecondsAfter(attempt)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void attemptsStartAtOne() {
    assertThatThrownBy(() -> new Backoff().delaySecondsAfter(0))
        .hasMessageContaining("attempt must be at least 1");
  }
}
