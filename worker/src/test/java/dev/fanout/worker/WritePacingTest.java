package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class WritePacingTest {
  /** Jitter at its middle: the gap itself. */
  private static final RandomGenerator MIDDLE =
      new RandomGenerator() {
        @Override
        public long nextLong() {
          return 0;
        }

        @Override
        public long nextLong(long bound) {
          return bound / 2;
        }
      };

  @Test
  void writesThatGoThroughFirstTimeAreNotHeldBack() {
    WritePacing pacing = new WritePacing(5_000, MIDDLE);

    assertThat(pacing.afterWrite("a", 0)).isZero();
    assertThat(pacing.gap("a")).isZero();
  }

  @Test
  void theGapGrowsWithEachWriteThatMetConflictsAgainAndAgain() {
    WritePacing pacing = new WritePacing(5_000, MIDDLE);

    assertThat(pacing.afterWrite("a", 2)).isEqualTo(20);
    assertThat(pacing.afterWrite("a", 2)).isEqualTo(40);
    assertThat(pacing.afterWrite("a", 3)).isEqualTo(120);
    assertThat(pacing.gap("b")).as("per Job").isZero();
  }

  @Test
  void oneConflictIsToleratedAndKeepsTheGapAsItIs() {
    WritePacing pacing = new WritePacing(5_000, MIDDLE);

    assertThat(pacing.afterWrite("a", 1)).isZero();
    pacing.afterWrite("a", 4);
    assertThat(pacing.afterWrite("a", 1)).isEqualTo(40);
    assertThat(pacing.gap("a")).isEqualTo(40);
  }

  @Test
  void theGapHalvesWithEachCleanWriteAndEndsBelowOneStep() {
    WritePacing pacing = new WritePacing(5_000, MIDDLE);
    pacing.afterWrite("a", 8);

    assertThat(pacing.gap("a")).isEqualTo(80);
    assertThat(pacing.afterWrite("a", 0)).isEqualTo(40);
    assertThat(pacing.afterWrite("a", 0)).isEqualTo(20);
    assertThat(pacing.afterWrite("a", 0)).isEqualTo(10);
    assertThat(pacing.afterWrite("a", 0)).isZero();
    assertThat(pacing.gap("a")).isZero();
  }

  @Test
  void theGapIsCapped() {
    WritePacing pacing = new WritePacing(1_000, MIDDLE);
    for (int i = 0; i < 10; i++) {
      pacing.afterWrite("a", 12);
    }

    assertThat(pacing.gap("a")).isEqualTo(1_000);
  }

  @Test
  void theWaitIsJitteredBetweenHalfAndOneAndAHalfGaps() {
    WritePacing low = new WritePacing(5_000, fixed(0));
    WritePacing high = new WritePacing(5_000, fixed(Long.MAX_VALUE));

    assertThat(low.afterWrite("a", 10)).isEqualTo(50);
    assertThat(high.afterWrite("a", 10)).isEqualTo(150);
  }

  @Test
  void aGoneJobIsForgotten() {
    WritePacing pacing = new WritePacing(5_000, MIDDLE);
    pacing.afterWrite("a", 3);

    pacing.forget("a");

    assertThat(pacing.gap("a")).isZero();
  }

  /** Always the lowest (0) or highest value below the bound. */
  private static RandomGenerator fixed(long value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return Math.min(value, bound - 1);
      }
    };
  }
}
