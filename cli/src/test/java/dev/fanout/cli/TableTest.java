package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TableTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void columnsAreAlignedThreeSpacesApartAndTheLastIsNotPadded() {
    new Table("NAME", "PHASE", "AGE")
        .row("hello", "Succeeded", "5s")
        .row("a-much-longer-name", "Running", "3m2s")
        .flush(out);
    assertThat(printed())
        .isEqualTo(
            """
            NAME                 PHASE       AGE
            hello                Succeeded   5s
            a-much-longer-name   Running     3m2s
            """);
  }

  @Test
  void missingCellsAreEmptyAndTrailingSpaceIsDropped() {
    new Table("NAME", "PHASE", "DURATION").row("fresh", null, null).flush(out);
    assertThat(printed()).isEqualTo("NAME    PHASE   DURATION\nfresh\n");
  }

  @Test
  void pagesShareOneHeaderAndWidthsOnlyGrow() {
    Table table = new Table("INDEX", "STATE");
    table.row(1, "Failed").flush(out);
    table.row(100000, "Succeeded").flush(out);
    table.row(2, "Failed").flush(out);
    assertThat(printed())
        .isEqualTo(
            """
            INDEX   STATE
            1       Failed
            100000   Succeeded
            2        Failed
            """);
  }

  @Test
  void nothingIsPrintedForNoRows() {
    Table table = new Table("NAME");
    table.flush(out);
    assertThat(printed()).isEmpty();
    assertThat(table.printedAny()).isFalse();
  }
}
