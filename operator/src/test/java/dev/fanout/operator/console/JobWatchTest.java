package dev.fanout.operator.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobWatchTest {
  private static JobWatch.Event event(String name, String data) {
    return new JobWatch.Event("ns", "job", "{\"name\":\"" + name + "\",\"v\":" + data + "}");
  }

  @Test
  void aClientThatFallsBehindGetsTheNewestChangeOfEachJobOnce() {
    JobWatch.Client client = new JobWatch.Client();
    for (int v = 0; v < 1_000; v++) {
      client.offer("ns/a", event("a", String.valueOf(v)));
      client.offer("ns/b", event("b", String.valueOf(v)));
    }
    JobWatch.Batch batch = client.take(0);
    assertThat(batch.overflowed()).isFalse();
    assertThat(batch.events())
        .extracting(JobWatch.Event::data)
        .containsExactly("{\"name\":\"a\",\"v\":999}", "{\"name\":\"b\",\"v\":999}");
  }

  @Test
  void moreJobsBehindThanTheQueueHoldsDropsTheOldestAndSaysSo() {
    JobWatch.Client client = new JobWatch.Client();
    for (int i = 0; i < JobWatch.QUEUE + 5; i++) {
      client.offer("ns/j" + i, event("j" + i, "0"));
    }
    JobWatch.Batch batch = client.take(0);
    assertThat(batch.overflowed()).isTrue();
    assertThat(batch.events()).hasSize(JobWatch.QUEUE);
    assertThat(batch.events().getFirst().data()).contains("\"j5\"");
    assertThat(client.take(1).overflowed()).as("told once").isFalse();
  }
}
