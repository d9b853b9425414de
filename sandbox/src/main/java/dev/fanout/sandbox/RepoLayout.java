package dev.fanout.sandbox;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the sandbox finds what it runs: the repository root (from its own jar's place, {@code
 * sandbox/target/}, else the current directory or a parent of it), the operator and worker jars,
 * and the default example.
 */
public record RepoLayout(Path root) {
  static final String BUILD_HINT = "build first: ./mvnw -q package -DskipTests";
  static final String DEFAULT_MANIFEST = "examples/hello.yaml";

  static RepoLayout find() {
    Path fromJar = jarRoot();
    if (fromJar != null) {
      return new RepoLayout(fromJar);
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path p = cwd; p != null; p = p.getParent()) {
      if (looksLikeRoot(p)) {
        return new RepoLayout(p);
      }
    }
    return new RepoLayout(cwd);
  }

  private static Path jarRoot() {
    try {
      var source = RepoLayout.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path location = Path.of(source.getLocation().toURI()).toAbsolutePath();
      // sandbox/target/fanout-sandbox.jar, or sandbox/target/classes when run from an IDE
      Path root = location.getParent() == null ? null : location.getParent().getParent();
      root = root == null ? null : root.getParent();
      return root != null && looksLikeRoot(root) ? root : null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  private static boolean looksLikeRoot(Path p) {
    return Files.isDirectory(p.resolve("operator")) && Files.isDirectory(p.resolve("worker"));
  }

  public Path operatorJar() {
    return root.resolve("operator/target/fanout-operator.jar");
  }

  public Path workerJar() {
    return root.resolve("worker/target/fanout-worker.jar");
  }

  /** A manifest argument: as given from the current directory, else from the repository root. */
  Path resolve(String arg) {
    Path given = Path.of(arg);
    if (given.isAbsolute() || Files.exists(given)) {
      return given.toAbsolutePath().normalize();
    }
    Path inRoot = root.resolve(arg);
    return Files.exists(inRoot) ? inRoot.normalize() : given.toAbsolutePath().normalize();
  }

  /** The path as the user would write it: relative to the current directory when inside it. */
  static String display(Path path) {
    Path cwd = Path.of("").toAbsolutePath();
    Path abs = path.toAbsolutePath().normalize();
    return abs.startsWith(cwd) && !abs.equals(cwd)
        ? cwd.relativize(abs).toString()
        : abs.toString();
  }
}
