package dev.fanout.kube;

import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import dev.fanout.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The built jars started as a pod would run them: configured only by the environment given (none of
 * this JVM's Fanout, AWS or Kubernetes settings), output in a log file beside the control plane's.
 */
final class FanoutJars {
  static final String OPERATOR = "operator/target/fanout-operator.jar";
  static final String WORKER = "worker/target/fanout-worker.jar";

  private FanoutJars() {}

  static Path jar(String relative) {
    Path file = ControlPlane.repositoryRoot().resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw new AssertionError(file + " is missing: build it (./mvnw -pl kube-tests -am verify)");
    }
    return file;
  }

  /** {@code java -jar jar} on a free HTTP port, ready (its /readyz answers 200) within 120 s. */
  static ChildProcess startReady(
      ControlPlane kube, String name, String jar, Map<String, String> env)
      throws IOException, InterruptedException {
    ChildProcess process = start(kube, name, jar, env);
    awaitReady(process);
    return process;
  }

  /**
   * Starts {@code java -jar jar} as a pod would run it: configured only by {@code env} (nothing of
   * this JVM's Fanout, AWS or Kubernetes settings) and its HTTP port, its output in a log file.
   */
  static ChildProcess start(ControlPlane kube, String name, String jar, Map<String, String> env)
      throws IOException {
    int httpPort = FanoutProcesses.freePorts(1)[0];
    Map<String, String> childEnv = ChildProcess.strippedEnvironment(System.getenv());
    // The console off unless a test asks for it on a port of its own: the default 8090 would
    // clash between the processes and test classes of one machine.
    childEnv.put("FANOUT_CONSOLE_PORT", "0");
    childEnv.putAll(env);
    childEnv.put("FANOUT_HTTP_PORT", String.valueOf(httpPort));
    // No console unless asked for: its default port would be taken by the next operator.
    childEnv.putIfAbsent("FANOUT_CONSOLE_PORT", "0");
    // C1 only: several JVMs start on a small machine; these runs are not CPU-bound.
    List<String> java = List.of("-XX:TieredStopAtLevel=1", "-jar", jar(jar).toString());
    Path log = Files.createDirectories(kube.dir()).resolve(name + ".log");
    return ChildProcess.start(name, java, false, childEnv, httpPort, log);
  }

  /** Waits up to 120 s for the process's /readyz to answer 200. */
  static void awaitReady(ChildProcess process) throws InterruptedException {
    try {
      process.awaitReady(Duration.ofSeconds(120), "after 120 s", () -> false);
    } catch (SandboxException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
