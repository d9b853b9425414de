package dev.fanout.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * The operator and worker processes of one run: each configured only through the environment
 * variables of the API contract (plus {@code KUBECONFIG}), with nothing of the sandbox's own
 * Fanout, AWS or Kubernetes settings leaking in; and stopping them all.
 */
public final class FanoutProcesses {
  private final RepoLayout layout;
  private final Path runDir;
  private final Map<String, String> inheritedEnv;
  private final Path kubeconfig;
  private final JvmMode jvm;
  private final List<ChildProcess> all = new CopyOnWriteArrayList<>();
  private final Set<ChildProcess> retired = ConcurrentHashMap.newKeySet();
  private boolean workerArchiveWriter = true;

  public static final int RECEIVE_WAIT_SECONDS = 3;
  private static final String OPERATOR = "operator";

  /**
   * @param inheritedEnv the sandbox's environment; the children get it without the variables that
   *     would configure Fanout, AWS or Kubernetes
   * @param jvm how to start the JVMs
   */
  public FanoutProcesses(
      RepoLayout layout,
      Path runDir,
      Map<String, String> inheritedEnv,
      Path kubeconfig,
      JvmMode jvm) {
    this.layout = layout;
    this.runDir = runDir;
    this.inheritedEnv = inheritedEnv;
    this.kubeconfig = kubeconfig;
    this.jvm = jvm;
  }

  /**
   * The operator, serving the embedded queue on {@code queuePort}, with the user's {@code extra}
   * settings.
   */
  ChildProcess startOperator(
      String dbUrl,
      String dbUser,
      String dbPassword,
      int queuePort,
      int httpPort,
      Map<String, String> extra)
      throws IOException {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("FANOUT_DB_URL", dbUrl);
    if (dbUser != null) {
      settings.put("FANOUT_DB_USER", dbUser);
    }
    if (dbPassword != null) {
      settings.put("FANOUT_DB_PASSWORD", dbPassword);
    }
    settings.put("FANOUT_SQS_EMBEDDED", "true");
    settings.put("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(queuePort));
    return startOperator(settings, httpPort);
  }

  /**
   * The operator, configured by {@code settings} (the variables of docs/configuration.md) on top of
   * the clean environment every child gets.
   */
  public ChildProcess startOperator(Map<String, String> settings, int httpPort) throws IOException {
    Map<String, String> env = baseEnv(httpPort);
    // The console stays off unless asked for (--env FANOUT_CONSOLE_PORT=...): its default port
    // would clash between two sandboxes, and the sandbox's API server cannot review tokens.
    env.put("FANOUT_CONSOLE_PORT", "0");
    env.putAll(settings);
    return start(OPERATOR, layout.operatorJar(), List.of(), OPERATOR, true, env, httpPort);
  }

  /**
   * A worker of {@code pool}, using the operator's queue on {@code queuePort}, with the user's
   * {@code extra} settings and {@code plugins}.
   */
  ChildProcess startWorker(
      String name,
      String pool,
      int concurrency,
      int queuePort,
      int httpPort,
      Map<String, String> extra,
      List<Path> plugins)
      throws IOException {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("AWS_ENDPOINT_URL_SQS", "http://localhost:" + queuePort);
    settings.put("FANOUT_POOL", pool);
    settings.put("FANOUT_WORKER_CONCURRENCY", String.valueOf(concurrency));
    return startWorker(name, settings, plugins, httpPort);
  }

  /**
   * A worker configured by {@code settings} (the variables of docs/configuration.md), with the
   * {@code plugins}' jars (task handlers found through the worker's SPI) on its classpath.
   */
  public ChildProcess startWorker(
      String name, Map<String, String> settings, List<Path> plugins, int httpPort)
      throws IOException {
    Map<String, String> env = baseEnv(httpPort);
    // A worker stops only after its long poll ends (one cut short would go on taking messages in
    // the server for nobody): a short wait keeps the end of a run short. Delivery is as fast.
    env.put("FANOUT_RECEIVE_WAIT_SECONDS", String.valueOf(RECEIVE_WAIT_SECONDS));
    env.putAll(settings);
    // One worker writes the workers' archive; the others only read it, never two writers at once.
    // A worker with plugins has another classpath, which the archive would not match.
    boolean writer = workerArchiveWriter && plugins.isEmpty();
    workerArchiveWriter &= !writer;
    return start(name, layout.workerJar(), plugins, "worker", writer, env, httpPort);
  }

  /** Distinct free ports, each found by binding port 0; held until all are found. */
  public static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // a port only looked at
        }
      }
    }
  }

  private Map<String, String> baseEnv(int httpPort) {
    Map<String, String> env = ChildProcess.strippedEnvironment(inheritedEnv);
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("FANOUT_HTTP_PORT", String.valueOf(httpPort));
    return env;
  }

  /**
   * Starts the jar in the {@link JvmMode}, with the plugins on its classpath; with CDS, {@code
   * archive} names the class-data sharing archive, which only a {@code writer} may create or renew.
   */
  private ChildProcess start(
      String name,
      Path jar,
      List<Path> plugins,
      String archive,
      boolean writer,
      Map<String, String> env,
      int httpPort)
      throws IOException {
    List<String> arguments = new ArrayList<>();
    boolean writesArchive = false;
    if (jvm != JvmMode.DEFAULT) {
      arguments.add("-XX:TieredStopAtLevel=1");
    }
    if (jvm == JvmMode.CDS) {
      Path file = Files.createDirectories(layout.root().resolve("sandbox/target/cds"));
      file = file.resolve(archive + ".jsa");
      boolean current =
          Files.isRegularFile(file)
              && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(jar)) > 0;
      if (writer) {
        arguments.add("-XX:+AutoCreateSharedArchive");
        writesArchive = !current;
      }
      if (writer || current) {
        arguments.add("-XX:SharedArchiveFile=" + file);
        // A missing or outdated archive is expected now and then: no warning in the log.
        arguments.add("-Xlog:cds=off,cds+dynamic=off");
      }
    }
    arguments.addAll(launch(jar, plugins));
    ChildProcess child =
        ChildProcess.start(name, arguments, writesArchive, env, httpPort, logFile(name));
    all.add(child);
    return child;
  }

  /** {@code -jar jar}; with plugins, the jar's main class with them on the classpath. */
  private static List<String> launch(Path jar, List<Path> plugins) throws IOException {
    if (plugins.isEmpty()) {
      return List.of("-jar", jar.toString());
    }
    String main;
    try (JarFile file = new JarFile(jar.toFile())) {
      main = file.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
    }
    List<String> classpath = new ArrayList<>(List.of(jar.toString()));
    plugins.forEach(p -> classpath.add(p.toString()));
    return List.of("-cp", String.join(File.pathSeparator, classpath), main);
  }

  /** {@code <name>.log}; a program started again under the same name gets a log of its own. */
  private Path logFile(String name) {
    long earlier = all.stream().filter(c -> c.name().equals(name)).count();
    return runDir.resolve(earlier == 0 ? name + ".log" : name + "." + (earlier + 1) + ".log");
  }

  public List<ChildProcess> all() {
    return List.copyOf(all);
  }

  /** A process that ended although nobody stopped it, or null. */
  ChildProcess firstDead() {
    return all.stream().filter(c -> !c.isAlive() && !retired.contains(c)).findFirst().orElse(null);
  }

  /**
   * Stops a worker that is no longer wanted (a scale-in): SIGTERM now, a kill after {@code grace},
   * without waiting here. Its end is not a failure of the run.
   */
  void retire(ChildProcess child, Duration grace) {
    retired.add(child);
    List<ProcessHandle> descendants = child.terminate();
    long deadline = System.nanoTime() + grace.toNanos();
    Thread.ofVirtual().start(() -> child.awaitStopped(descendants, deadline));
  }

  /** Whether a process will write a class-data sharing archive as it exits. */
  boolean writingArchives() {
    return all.stream().anyMatch(ChildProcess::writesArchive);
  }

  /**
   * Stops the workers (SIGTERM to all at once), then the operator: it serves the queue the workers'
   * last long polls are waiting on. Kills what is still running after {@code grace} ({@code
   * archiveGrace} for one writing its class-data archive), with whatever it started.
   *
   * @return the names of the processes that had to be killed
   */
  public List<String> stopAll(Duration grace, Duration archiveGrace) {
    Map<Boolean, List<ChildProcess>> operator =
        all.stream().collect(Collectors.partitioningBy(c -> c.name().equals(OPERATOR)));
    List<String> killed = new ArrayList<>(stop(operator.get(false), grace, archiveGrace));
    killed.addAll(stop(operator.get(true), grace, archiveGrace));
    return killed;
  }

  private static List<String> stop(
      List<ChildProcess> children, Duration grace, Duration archiveGrace) {
    Map<ChildProcess, List<ProcessHandle>> stopping = new LinkedHashMap<>();
    for (ChildProcess child : children) {
      stopping.put(child, child.terminate());
    }
    long now = System.nanoTime();
    List<String> killed = new ArrayList<>();
    stopping.forEach(
        (child, descendants) -> {
          Duration wait = child.writesArchive() ? archiveGrace : grace;
          if (child.awaitStopped(descendants, now + wait.toNanos())) {
            killed.add(child.name());
          }
        });
    return killed;
  }
}
