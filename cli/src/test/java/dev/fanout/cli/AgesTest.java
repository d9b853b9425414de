package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgesTest {

  @ParameterizedTest(name = "{0} s -> {1}")
  @CsvSource({
    "0, 0s",
    "5, 5s",
    "119, 119s",
    "120, 2m",
    "182, 3m2s",
    "599, 9m59s",
    "600, 10m",
    "10799, 179m",
    "10800, 3h",
    "14400, 4h",
    "14700, 4h5m",
    "28800, 8h",
    "172799, 47h",
    "172800, 2d",
    "183600, 2d3h",
    "691200, 8d",
    "31536000, 365d",
    "63072000, 2y",
    "63936000, 2y10d",
    "252288000, 8y",
  })
  void writesDurationsAsKubectlDoes(long seconds, String expected) {
    assertThat(Ages.human(Duration.ofSeconds(seconds))).isEqualTo(expected);
  }

  @Test
  void roundsToTheNearestSecondAndClampsSmallClockSkew() {
    assertThat(Ages.human(Duration.ofMillis(4_600))).isEqualTo("5s");
    assertThat(Ages.human(Duration.ofMillis(-800))).isEqualTo("0s");
    assertThat(Ages.human(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
  }

  @Test
  void ageOfATimestamp() {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(Ages.since("2026-03-01T11:56:58Z", now)).isEqualTo("3m2s");
    assertThat(Ages.since(null, now)).isEqualTo("<unknown>");
    assertThat(Ages.since("yesterday", now)).isEqualTo("<unknown>");
  }
}
