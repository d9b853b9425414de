package dev.fanout.common.testing;

import dev.fanout.common.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A home directory of a test's own (a JUnit {@code @TempDir}): the environment a program would see
 * there, with no AWS file unless the test writes one, so that the machine's {@code ~/.aws} never
 * leaks into a test.
 */
public record TestHome(Path dir) {

  /** {@code HOME} and the given variable/value pairs, nothing else. */
  public Env env(String... pairs) {
    Map<String, String> vars = new HashMap<>();
    vars.put("HOME", dir.toString());
    for (int i = 0; i < pairs.length; i += 2) {
      vars.put(pairs[i], pairs[i + 1]);
    }
    return new Env(vars);
  }

  /** Writes a file under the home directory, creating its folders. */
  public Path write(String relative, String content) throws IOException {
    Path path = dir.resolve(relative);
    Files.createDirectories(path.getParent());
    return Files.writeString(path, content);
  }
}
