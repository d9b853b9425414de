package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OutcomePackingTest {
  static Outcome outcome(int index, String message) {
    return new Outcome(
        "uid", "ns", "job", index, 2, Outcome.Kind.FAILED, "Error", message, null, 5, 1, "w");
  }

  @Test
  void manyOutcomesGoInFewMessagesThatEachStayUnderTheLimitAndLoseNothing() {
    List<Outcome> outcomes =
        IntStream.range(0, 500).mapToObj(i -> outcome(i, "é".repeat(i % 7 * 150))).toList();

    List<String> bodies = TaskQueue.pack(outcomes);

    assertThat(bodies.size()).isBetween(2, 50);
    assertThat(bodies)
        .allSatisfy(
            b ->
                assertThat(b.getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(TaskQueue.OUTCOME_MESSAGE_BYTES));
    List<Outcome> read = new ArrayList<>();
    bodies.forEach(b -> read.addAll(Messages.decodeOutcomes(b)));
    assertThat(read).isEqualTo(outcomes);
  }

  @Test
  void oneOutcomeIsOneMessage() {
    assertThat(TaskQueue.pack(List.of(outcome(1, "boom"))))
        .containsExactly("[" + Messages.encode(outcome(1, "boom")) + "]");
    assertThat(TaskQueue.pack(List.of())).isEmpty();
  }
}
