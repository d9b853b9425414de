package dev.fanout.sandbox;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code java -jar fanout-sandbox.jar [run] [options] [manifests...]}: see {@link
 * SandboxOptions#USAGE}. Exit code 0 when every Job succeeded, 1 otherwise, 2 for a bad command
 * line.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    SandboxOptions options;
    try {
      options = SandboxOptions.parse(List.of(args), env);
    } catch (SandboxOptions.UsageException e) {
      System.err.println("fanout-sandbox: " + e.getMessage());
      System.err.println("Run with --help for the options.");
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(SandboxOptions.USAGE);
      System.exit(0);
      return;
    }
    Path runDir;
    try {
      runDir =
          options.dir() == null
              ? Files.createTempDirectory("fanout-sandbox-").toAbsolutePath()
              : Files.createDirectories(options.dir()).toAbsolutePath();
    } catch (IOException e) {
      System.err.println("fanout-sandbox: cannot create the run directory: " + e);
      System.exit(1);
      return;
    }
    LibraryLogging.toFile(runDir.resolve("sandbox.log"));
    // Netty (under the mock API server) would use sun.misc.Unsafe, and Java 24+ warns about that
    // on the terminal; without it Netty is a little slower, which the sandbox does not notice.
    System.setProperty("io.netty.noUnsafe", "true");

    boolean terminal = !options.plain() && isTerminal(env.get("TERM"));
    Sandbox sandbox = new Sandbox(options, RepoLayout.find(), runDir, env, terminal, System.out);
    Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "fanout-sandbox-stop"));
    int code;
    try {
      code = sandbox.run();
    } catch (SandboxException e) {
      code = 1;
      if (!sandbox.closing()) {
        System.out.flush();
        System.err.println("fanout-sandbox: " + e.getMessage());
      }
    } catch (Exception e) {
      code = 1;
      if (!sandbox.closing()) {
        System.out.flush();
        System.err.print("fanout-sandbox: unexpected error: ");
        e.printStackTrace();
      }
    } finally {
      sandbox.close();
    }
    if (options.dir() == null) {
      deleteIfUnused(runDir);
    }
    System.exit(code);
  }

  /** Stdout is a terminal the view may redraw: a console that is a terminal, TERM not dumb. */
  static boolean isTerminal(String term) {
    Console console = System.console();
    if (console == null || term == null || term.isBlank() || term.equals("dumb")) {
      return false;
    }
    try {
      // Java 22+: a console also exists when redirected; isTerminal() tells the two apart.
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /**
   * Removes a temporary run directory that holds nothing but an empty log: the run stopped before
   * it started anything (a missing jar, a bad manifest).
   */
  private static void deleteIfUnused(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> all = entries.toList();
      for (Path p : all) {
        if (!p.getFileName().toString().equals("sandbox.log") || Files.size(p) > 0) {
          return;
        }
      }
      for (Path p : all) {
        Files.delete(p);
      }
      Files.delete(dir);
    } catch (IOException e) {
      // leave it
    }
  }
}
