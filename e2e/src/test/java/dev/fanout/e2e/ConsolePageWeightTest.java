package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The console's files, all of which a first visit may load: small, and nothing from elsewhere. */
class ConsolePageWeightTest {
  private static final Path CONSOLE =
      Path.of("..", "operator", "src", "main", "resources", "console");

  @Test
  void theWholeConsoleIsUnder200KiB() throws IOException {
    long bytes;
    try (Stream<Path> files = Files.walk(CONSOLE)) {
      bytes = files.filter(Files::isRegularFile).mapToLong(ConsolePageWeightTest::size).sum();
    }
    System.out.printf("The console's files: %.1f KiB%n", bytes / 1024.0);
    assertThat(bytes).isPositive().isLessThan(200 * 1024);
  }

  @Test
  void itLoadsNothingFromAnotherOrigin() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(CONSOLE)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      assertThat(Files.readString(file))
          .as("%s", file)
          .doesNotContainPattern("(src|href)=[\"']?(https?:)?//")
          .doesNotContainPattern("(import|from)\\s*\\(?[\"'](https?:)?//")
          .doesNotContain("@import url(http");
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
