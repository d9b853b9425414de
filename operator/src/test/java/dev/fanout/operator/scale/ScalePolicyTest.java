package dev.fanout.operator.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScalePolicyTest {

  @Test
  void theDefaultsAreThoseOfTheContract() throws Exception {
    ScalePolicy p = ScalePolicy.of(Map.of(ScalePolicy.AUTOSCALE, "true"));
    assertThat(p).isEqualTo(new ScalePolicy(0, 10, 8, Duration.ofSeconds(60)));
  }

  @ParameterizedTest(name = "{0} runnable, min {1}, max {2}, {3} per replica: {4} replicas")
  @CsvSource({
    "0, 0, 10, 8, 0",
    "1, 0, 10, 8, 1",
    "8, 0, 10, 8, 1",
    "9, 0, 10, 8, 2",
    "1000, 0, 10, 8, 10",
    "0, 2, 10, 8, 2",
    "17, 0, 10, 1, 10",
    "17, 0, 50, 1, 17",
  })
  void desiredIsTheCeilingOfRunnableOverTasksPerReplicaWithinMinAndMax(
      int runnable, int min, int max, int perReplica, int expected) {
    assertThat(new ScalePolicy(min, max, perReplica, Duration.ZERO).desired(runnable))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}={1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "fanout.dev/max-replicas|ten|fanout.dev/max-replicas must be an integer, was \"ten\"",
        "fanout.dev/max-replicas|0|fanout.dev/max-replicas must be between 1 and 1000, was 0",
        "fanout.dev/min-replicas|-1|fanout.dev/min-replicas must be between 0 and 1000, was -1",
        "fanout.dev/min-replicas|11|fanout.dev/min-replicas (11) is above fanout.dev/max-replicas"
            + " (10)",
        "fanout.dev/tasks-per-replica|0|fanout.dev/tasks-per-replica must be between 1 and"
            + " 100000, was 0",
        "fanout.dev/scale-down-delay-seconds|1.5|fanout.dev/scale-down-delay-seconds must be an"
            + " integer, was \"1.5\"",
      })
  void aBadAnnotationIsNamed(String key, String value, String message) {
    assertThatThrownBy(() -> ScalePolicy.of(Map.of(ScalePolicy.AUTOSCALE, "true", key, value)))
        .isInstanceOf(ScalePolicy.InvalidAnnotation.class)
        .hasMessage(message);
  }

  @Test
  void onlyTheAnnotationTrueAsksForScaling() {
    assertThat(ScalePolicy.wanted(Map.of(ScalePolicy.AUTOSCALE, "true"))).isTrue();
    assertThat(ScalePolicy.wanted(Map.of(ScalePolicy.AUTOSCALE, "false"))).isFalse();
    assertThat(ScalePolicy.wanted(Map.of())).isFalse();
    assertThat(ScalePolicy.wanted(null)).isFalse();
  }
}
