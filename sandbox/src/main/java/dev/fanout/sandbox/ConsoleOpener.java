package dev.fanout.sandbox;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code --console}: the console's URL handed to the desktop's opener, or printed for the user. */
final class ConsoleOpener {
  /** Linux desktops' and macOS's openers, in the order tried. */
  static final List<String> OPENERS = List.of("xdg-open", "open");

  private ConsoleOpener() {}

  /**
   * Starts the first opener found on {@code path} with the URL and returns what to print: which
   * opened it, or the URL to open by hand.
   */
  static String open(String url, String path) {
    Path opener = find(path);
    if (opener == null) {
      return "open " + url + " in a browser (no xdg-open nor open on the PATH)";
    }
    try {
      // Its output is the desktop's business, not the sandbox's view.
      new ProcessBuilder(opener.toString(), url)
          .redirectOutput(Redirect.DISCARD)
          .redirectError(Redirect.DISCARD)
          .start();
      return "opening " + url + " with " + opener.getFileName();
    } catch (IOException e) {
      return "open " + url + " in a browser (" + opener + " failed: " + e.getMessage() + ")";
    }
  }

  /** The first of {@link #OPENERS} that is an executable file in a folder of {@code path}. */
  static Path find(String path) {
    if (path == null || path.isBlank()) {
      return null;
    }
    for (String name : OPENERS) {
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }
}
