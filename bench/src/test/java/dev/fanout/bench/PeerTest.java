package dev.fanout.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PeerTest {
  private static final String LAST =
      "{\"peer\":\"bullmq 6.7.0\",\"n\":20000,\"workers\":4,\"concurrency\":8,"
          + "\"add_per_s\":61234,\"e2e_per_s\":11873,\"retry_once_e2e_per_s\":5021,"
          + "\"latency_p50_ms\":1.4,\"warmup_e2e_per_s\":9000}";

  @Test
  void readsTheFiguresOfTheLastLine() {
    Peer.Figures f =
        Peer.parse(
            List.of(
                "bullmq e2e 11873 jobs/s (W=4 x C=8, N=20000); add 61234/s; ...", LAST, "", " "),
            2_000,
            1,
            1);

    assertThat(f)
        .isEqualTo(new Peer.Figures("bullmq 6.7.0", 20_000, 4, 8, 61_234, 11_873, 5_021, 1.4));
  }

  @Test
  void sizesMissingFromTheLineAreTheOnesAskedFor() {
    Peer.Figures f =
        Peer.parse(
            List.of(
                "{\"add_per_s\":1,\"e2e_per_s\":2,\"retry_once_e2e_per_s\":3,"
                    + "\"latency_p50_ms\":4}"),
            2_000,
            4,
            8);

    assertThat(f).isEqualTo(new Peer.Figures("bullmq", 2_000, 4, 8, 1, 2, 3, 4));
  }

  @Test
  void aLastLineThatIsNotJsonSaysWhatItWas() {
    assertThatThrownBy(() -> Peer.parse(List.of(LAST, "npm ERR! network"), 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not JSON: \"npm ERR! network\"");
    assertThatThrownBy(() -> Peer.parse(List.of(), 1, 1, 1)).hasMessageContaining("not JSON: \"\"");
  }

  @Test
  void aFigureMissingOrNotPositiveIsAnError() {
    assertThatThrownBy(
            () ->
                Peer.parse(
                    List.of("{\"add_per_s\":1,\"e2e_per_s\":0,\"latency_p50_ms\":4}"), 1, 1, 1))
        .hasMessageContaining("no positive number e2e_per_s");
    assertThatThrownBy(
            () ->
                Peer.parse(
                    List.of("{\"add_per_s\":1,\"e2e_per_s\":2,\"latency_p50_ms\":4}"), 1, 1, 1))
        .hasMessageContaining("no positive number retry_once_e2e_per_s");
  }
}
