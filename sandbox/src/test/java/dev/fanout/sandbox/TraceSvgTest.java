package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSvgTest {
  private static final List<String> TRACE =
      List.of(
          AutoscaleTrace.HEADER,
          "0.0,-1,-1,-1,-1,0,0",
          "1.0,2000,4,100,0,4,4",
          "20.0,0,0,0,0,0,2",
          "21.0,0,0,0,0,0,0");

  @Test
  void drawsRunnableTasksAndWorkersWithTheirAxes() {
    String svg = TraceSvg.svg(TraceSvg.read(TRACE, "t.csv"), "a burst");

    assertThat(svg)
        .startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .contains(">a burst</text>")
        .contains(">runnable tasks</text>")
        .contains(">worker processes</text>")
        .contains(">seconds since the run started</text>")
        .contains(">2000</text>")
        .endsWith("</svg>\n");
    assertThat(svg.split("<polyline", -1)).hasSize(3);
  }

  @Test
  void aFileThatIsNotATraceIsRefusedNamingTheProblem() {
    assertThatThrownBy(() -> TraceSvg.read(List.of("a,b"), "x.csv"))
        .hasMessageStartingWith("x.csv: not an --autoscale-trace file");
    assertThatThrownBy(() -> TraceSvg.read(List.of(AutoscaleTrace.HEADER, "1,2"), "x.csv"))
        .hasMessage("x.csv line 2: not 7 numbers: \"1,2\"");
    assertThatThrownBy(() -> TraceSvg.read(List.of(AutoscaleTrace.HEADER), "x.csv"))
        .hasMessage("x.csv: no rows after the header");
  }

  @Test
  void roundsAxesUpToOneTwoOrFive() {
    assertThat(TraceSvg.niceCeiling(0)).isEqualTo(1);
    assertThat(TraceSvg.niceCeiling(3)).isEqualTo(5);
    assertThat(TraceSvg.niceCeiling(1999)).isEqualTo(2000);
    assertThat(TraceSvg.niceCeiling(2001)).isEqualTo(5000);
  }
}
