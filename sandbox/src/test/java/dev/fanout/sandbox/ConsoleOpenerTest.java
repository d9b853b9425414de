package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleOpenerTest {
  @TempDir Path dir;

  @Test
  void withoutAnOpenerOnThePathTheUrlIsPrintedToOpenByHand() {
    assertThat(ConsoleOpener.open("http://127.0.0.1:1234/", dir.toString()))
        .isEqualTo("open http://127.0.0.1:1234/ in a browser (no xdg-open nor open on the PATH)");
    assertThat(ConsoleOpener.find("")).isNull();
  }

  @Test
  void theFirstExecutableOpenerIsStartedWithTheUrl() throws Exception {
    Path seen = dir.resolve("seen");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path xdgOpen = bin.resolve("xdg-open");
    Files.writeString(xdgOpen, "#!/bin/sh\necho \"$1\" > " + seen + "\n");
    Files.setPosixFilePermissions(xdgOpen, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path notExecutable = Files.createDirectories(dir.resolve("other")).resolve("open");
    Files.writeString(notExecutable, "");

    String path = String.join(":", List.of(dir.resolve("other").toString(), bin.toString()));
    assertThat(ConsoleOpener.find(path)).isEqualTo(xdgOpen);
    assertThat(ConsoleOpener.open("http://127.0.0.1:1234/", path))
        .isEqualTo("opening http://127.0.0.1:1234/ with xdg-open");
    org.awaitility.Awaitility.await()
        .until(
            () ->
                Files.exists(seen)
                    && Files.readString(seen).strip().equals("http://127.0.0.1:1234/"));
  }
}
