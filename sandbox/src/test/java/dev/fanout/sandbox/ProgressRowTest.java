package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressRowTest {
  private static final ProgressRow SLEEP =
      new ProgressRow("default/sleep-1000", "Running", 417, 1000, 0, 81.1);

  @ParameterizedTest(name = "{0} columns")
  @CsvSource(
      delimiter = '|',
      value = {
        "120|default/sleep-1000  [##########--------------]  41%  Running    417/1000  failed 0     81.1 tasks/s",
        " 79|default/sleep-1000  [####------]  41%  Running    417/1000  failed 0     81.1/s",
        " 70|default/sleep-1000   41%  Running    417/1000  failed 0     81.1/s",
        " 59|default/sleep-1000   41%  Running    417/1000  failed 0",
        " 50|default/sl~   41%  Running    417/1000  failed 0",
        " 40|default/sleep-1000  41%  Running    417~",
        " 12|default/sle~",
      })
  void narrowerTerminalsLoseTheBarThenTheRateThenTheNameNeverWrap(int columns, String expected) {
    String line = SLEEP.fit(18, columns);

    assertThat(line).isEqualTo(expected);
    assertThat(line.length()).isLessThanOrEqualTo(columns);
  }

  @ParameterizedTest
  @CsvSource({"0,0,0", "417,1000,41", "999,1000,99", "1000,1000,100", "3,0,0"})
  void aFullBarAndAHundredPercentMeanEveryTaskIsDone(int done, int total, int percent) {
    String line = new ProgressRow("default/a", "Running", done, total, 0, 0).fit(9, 200);

    assertThat(line).contains(String.format("%3d%%", percent));
    assertThat(line.contains("[" + "#".repeat(ProgressRow.MAX_BAR) + "]"))
        .isEqualTo(percent == 100);
  }

  @ParameterizedTest
  @CsvSource({"10,default/a~", "4,def~", "1,~"})
  void cutMarksWhatItCut(int width, String expected) {
    assertThat(ProgressRow.cut("default/abcdef", width)).isEqualTo(expected);
  }
}
