package dev.fanout.operator.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScaleDownTest {
  private static final Duration DELAY = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-12-03T00:00:00Z");

  private final ScaleDown window = new ScaleDown();

  private int at(int second, int current, int desired) {
    return window.next(current, desired, DELAY, T0.plusSeconds(second));
  }

  @Test
  void upAtOnce() {
    assertThat(at(0, 0, 4)).isEqualTo(4);
    assertThat(at(1, 4, 7)).isEqualTo(7);
  }

  @Test
  void downOnlyOnceTheDemandStayedLowerForTheDelay() {
    for (int s = 0; s < 70; s++) {
      at(s, 5, 5);
    }
    assertThat(at(70, 5, 0)).as("just dropped").isEqualTo(5);
    assertThat(at(100, 5, 0)).isEqualTo(5);
    assertThat(at(129, 5, 0)).as("59 s later").isEqualTo(5);
    assertThat(at(131, 5, 0)).as("61 s later").isZero();
  }

  @Test
  void downToTheHighestCalledForDuringTheDelay() {
    for (int s = 0; s < 70; s++) {
      at(s, 6, 6);
    }
    at(70, 6, 4);
    at(100, 6, 2);
    assertThat(at(131, 6, 2)).as("4 was called for 61 s ago, 2 since").isEqualTo(2);
  }

  @Test
  void aDipShorterThanTheDelayStopsNoWorker() {
    for (int s = 0; s < 70; s++) {
      at(s, 3, 3);
    }
    assertThat(at(70, 3, 0)).isEqualTo(3);
    assertThat(at(90, 3, 3)).isEqualTo(3);
    assertThat(at(140, 3, 3)).isEqualTo(3);
  }

  @Test
  void aFreshOperatorWaitsTheDelayBeforeItStopsAnyWorker() {
    assertThat(at(0, 4, 0)).isEqualTo(4);
    assertThat(at(59, 4, 0)).isEqualTo(4);
    assertThat(at(60, 4, 0)).isZero();
  }

  @Test
  void noDelayMeansDownAtOnce() {
    assertThat(window.next(4, 1, Duration.ZERO, T0)).isEqualTo(1);
  }
}
