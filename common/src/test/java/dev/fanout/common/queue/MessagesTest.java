package dev.fanout.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
  static Outcome outcome(int index) {
    return new Outcome(
        "uid", "ns", "job", index, 1, Outcome.Kind.SUCCEEDED, null, null, null, 5, 1, "w");
  }

  @Test
  void aMessageCarriesSeveralOutcomesOrOne() {
    String several = "[" + Messages.encode(outcome(3)) + "," + Messages.encode(outcome(4)) + "]";

    assertThat(Messages.decodeOutcomes(several)).containsExactly(outcome(3), outcome(4));
    assertThat(Messages.decodeOutcomes(Messages.encode(outcome(7)))).containsExactly(outcome(7));
  }

  @Test
  void anArrayWithSomethingElseInItIsRefusedWhole() {
    String mixed = "[" + Messages.encode(outcome(3)) + ",{\"index\":4}]";

    assertThatThrownBy(() -> Messages.decodeOutcomes(mixed))
        .isInstanceOf(Messages.BadMessageException.class)
        .hasMessageContaining("not an outcome message");
    assertThatThrownBy(() -> Messages.decodeOutcomes("[1, 2"))
        .isInstanceOf(Messages.BadMessageException.class)
        .hasMessageContaining("unreadable");
    assertThat(Messages.decodeOutcomes("[]")).isEqualTo(List.of());
  }
}
