package dev.fanout.kube;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A command-line program (kubectl, helm) run with a fixed environment, as a user would. */
final class Cli {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final Path program;
  private final Map<String, String> env;
  private final Path workDir;
  private final Path scratch;

  /**
   * @param workDir where it runs: the repository root, so that paths read as in the docs
   * @param scratch where its output is kept while it runs
   */
  Cli(Path program, Map<String, String> env, Path workDir, Path scratch) {
    this.program = program;
    this.env = Map.copyOf(env);
    this.workDir = workDir;
    this.scratch = scratch;
  }

  /** What a run printed and how it ended. */
  record Result(List<String> command, int exitCode, String out, String err) {
    boolean ok() {
      return exitCode == 0;
    }

    /** Standard output, or a failure naming the command and what it printed. */
    String outOrFail() {
      if (!ok()) {
        throw new AssertionError(this.toString());
      }
      return out;
    }

    @Override
    public String toString() {
      return String.join(" ", command)
          + " exited with "
          + exitCode
          + (out.isBlank() ? "" : "\nstdout:\n" + out)
          + (err.isBlank() ? "" : "\nstderr:\n" + err);
    }
  }

  Result run(String... args) {
    return run(List.of(args), null);
  }

  /** Runs to the end (at most two minutes) with {@code stdin} (or nothing) as input. */
  Result run(List<String> args, String stdin) {
    List<String> command = command(args);
    try {
      Path out = Files.createTempFile(scratch, "out", ".txt");
      Path err = Files.createTempFile(scratch, "err", ".txt");
      ProcessBuilder builder =
          builder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process process = builder.start();
      if (stdin != null) {
        try (var in = process.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT);
      }
      Result result =
          new Result(
              command,
              process.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + command, e);
    }
  }

  /** A command that goes on printing (kubectl get -w): its lines as they come. */
  Streaming stream(String... args) {
    List<String> command = command(List.of(args));
    try {
      Process process =
          builder(command)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      return new Streaming(process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of a running command, read by a thread of their own; closing kills it. */
  static final class Streaming implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private Streaming(Process process) {
      this.process = process;
      Thread.ofPlatform()
          .daemon()
          .name("cli-stream")
          .start(
              () -> {
                try (BufferedReader reader =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = reader.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process was killed
                }
              });
    }

    /** The next line, or null when none came within {@code timeout}. */
    String next(Duration timeout) throws InterruptedException {
      String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (line != null) {
        all.add(line);
      }
      return line;
    }

    /** Every line returned by {@link #next} so far. */
    List<String> seen() {
      return List.copyOf(all);
    }

    boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    command.addAll(args);
    return command;
  }

  private ProcessBuilder builder(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("HELM_"));
    builder.environment().putAll(env);
    return builder;
  }
}
