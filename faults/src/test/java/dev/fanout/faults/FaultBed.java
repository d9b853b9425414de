package dev.fanout.faults;

import static org.awaitility.Awaitility.await;

import dev.fanout.common.testing.MockKube;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import dev.fanout.sandbox.JvmMode;
import dev.fanout.sandbox.RepoLayout;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The fault tests' world, as pods would see it: the fabric8 mock API server (CRUD, with the CRD), a
 * private PostgreSQL, ElasticMQ as a process of its own behind a link a test can cut, and the
 * operator and the workers as processes of the built jars, configured only through their
 * environment variables. Logs, the kubeconfig and the handler's side-effect files go to one run
 * directory. Closing stops everything and fails when any process of it is left.
 */
final class FaultBed implements AutoCloseable {
  static final String NAMESPACE = "default";
  static final String POOL = "default";

  /**
   * The pool queue's visibility timeout while workers connect. The operator creates queues with 60
   * s; a queue's owner may choose less, and workers follow the queue (their heartbeat extends a
   * running task's message every third of it). 5 s brings a dead worker's messages back in seconds
   * rather than in a minute.
   */
  static final int VISIBILITY_SECONDS = 5;

  /** The workers most scenarios run: two, ten tasks at once each (a full receive batch). */
  static final Map<String, String> STANDARD_WORKERS = Map.of("FANOUT_WORKER_CONCURRENCY", "10");

  private static final String WARM_UP =
      """
      apiVersion: fanout.dev/v1alpha1
      kind: Job
      metadata:
        name: warm-up
      spec:
        handler: noop
        tasks:
          count: 1
      """;

  private static final Duration READY = Duration.ofSeconds(180);
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final Path REPO = Path.of(System.getProperty("fanout.repo", "..")).normalize();
  private static final Path PLUGIN = Path.of(System.getProperty("fanout.faults.plugin", ""));
  private static final Path RUNS =
      Path.of(System.getProperty("fanout.faults.runs", "target/fault-runs"));

  private final Path dir;
  private final MockKube kube;
  private final PrivatePostgres postgres;
  private final FanoutProcesses processes;
  private final QueueServer sqs;
  private final Set<ChildProcess> stoppedOnPurpose = ConcurrentHashMap.newKeySet();
  private final List<ChildProcess> workers = new ArrayList<>();
  private Map<String, String> workerSettings = Map.of();
  private int visibilitySeconds = VISIBILITY_SECONDS;
  private volatile ChildProcess operator;
  private String scenario = "setup";
  private long scenarioStart = System.nanoTime();

  private FaultBed() throws IOException {
    if (!Files.isRegularFile(PLUGIN)) {
      throw new IllegalStateException("the handler plugin jar " + PLUGIN + " is missing");
    }
    dir = RUNS.toAbsolutePath();
    deleteTree(dir);
    Files.createDirectories(dir);
    kube = new MockKube();
    postgres =
        PrivatePostgres.start(REPO, FanoutProcesses.freePorts(1)[0], dir.resolve("postgres.log"));
    sqs = QueueServer.start(dir.resolve("sqs.log"));
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    processes =
        new FanoutProcesses(
            new RepoLayout(REPO), dir, System.getenv(), kubeconfig, JvmMode.DEFAULT);
  }

  /** Starts the API server, PostgreSQL, the SQS server and the operator, and waits for them. */
  static FaultBed start() throws IOException, InterruptedException {
    FaultBed bed = new FaultBed();
    try {
      bed.startOperator();
      bed.awaitReady(bed.sqs.process());
      // The operator creates a pool's queue for its first Job: one now, so that every scenario
      // may start its workers before its own Job. It runs its one task once workers come.
      new Jobs(bed).create(WARM_UP);
      bed.sqs.setVisibilityTimeout(POOL, VISIBILITY_SECONDS);
    } catch (IOException | InterruptedException | RuntimeException e) {
      bed.close();
      throw e;
    }
    return bed;
  }

  Path dir() {
    return dir;
  }

  KubernetesClient client() {
    return kube.client();
  }

  PrivatePostgres postgres() {
    return postgres;
  }

  ChildProcess operator() {
    return operator;
  }

  /** SQS, which a test may cut off. */
  QueueServer sqs() {
    return sqs;
  }

  /**
   * Starts an operator, with the task rows in this bed's PostgreSQL and the queue behind the link,
   * and waits until it is ready: the first, or one that replaces a killed one.
   */
  ChildProcess startOperator() throws IOException, InterruptedException {
    Map<String, String> settings = new HashMap<>();
    settings.put("FANOUT_DB_URL", postgres.url());
    settings.put("FANOUT_DB_USER", postgres.user());
    settings.put("FANOUT_DB_PASSWORD", postgres.password());
    settings.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
    // As a pod's restarted container: the same name, so it takes the Lease straight back.
    settings.put("FANOUT_OPERATOR_ID", "fanout-operator-0");
    operator = processes.startOperator(settings, FanoutProcesses.freePorts(1)[0]);
    awaitReady(operator);
    return operator;
  }

  /**
   * Makes {@code count} workers run with these settings (more environment variables, such as
   * FANOUT_WORKER_CONCURRENCY), with the test handler plugin on their classpath: keeps those that
   * already do, starts one in place of each that died, stops the others. New workers read the pool
   * queue's visibility timeout, which this sets first (a restarted operator puts its own back).
   */
  List<ChildProcess> workers(int count, Map<String, String> settings)
      throws IOException, InterruptedException {
    for (ChildProcess worker : launchWorkers(count, settings)) {
      awaitReady(worker);
    }
    return List.copyOf(workers);
  }

  /**
   * The pool queue's visibility timeout for the workers started from now on (a scenario that must
   * tell a task handed back at once from one that waited out its timeout wants a long one); {@link
   * #VISIBILITY_SECONDS} until changed.
   */
  void visibilityTimeout(int seconds) {
    visibilitySeconds = seconds;
  }

  /**
   * Stops one worker as Kubernetes stops a pod (scale-in, eviction, rollout): SIGTERM, and a kill
   * once the bed's grace is over. Returns how long it took to exit.
   */
  Duration terminate(ChildProcess worker) {
    stoppedOnPurpose.add(worker);
    long start = System.nanoTime();
    boolean killed = worker.stop(GRACE);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    report(
        "%s (pid %d) %s %.1f s after SIGTERM",
        worker.name(),
        worker.pid(),
        killed ? "had to be killed" : worker.exitDescription(),
        seconds(took));
    return took;
  }

  /** Stops every worker (SIGTERM), so that none takes a task of the next Job. */
  void stopWorkers() {
    stop(List.copyOf(workers));
    workers.clear();
  }

  /** As {@link #workers}, without waiting for the workers it starts; returns those. */
  List<ChildProcess> launchWorkers(int count, Map<String, String> settings) throws IOException {
    if (!settings.equals(workerSettings)) {
      stopWorkers();
      workerSettings = Map.copyOf(settings);
    }
    while (workers.size() > count) {
      stop(List.of(workers.remove(workers.size() - 1)));
    }
    List<ChildProcess> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i < workers.size() && workers.get(i).isAlive()) {
        continue;
      }
      if (started.isEmpty()) {
        sqs.setVisibilityTimeout(POOL, visibilitySeconds);
      }
      ChildProcess worker = launchWorker("worker-" + (i + 1));
      started.add(worker);
      if (i < workers.size()) {
        stoppedOnPurpose.add(workers.set(i, worker));
      } else {
        workers.add(worker);
      }
    }
    return started;
  }

  /**
   * Starts a worker in place of each that died, as Kubernetes restarts a pod's container, without
   * waiting for it; returns the dead ones.
   */
  List<ChildProcess> restartDeadWorkers() throws IOException {
    List<ChildProcess> dead = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      ChildProcess worker = workers.get(i);
      if (!worker.isAlive()) {
        dead.add(worker);
        stoppedOnPurpose.add(worker);
        workers.set(i, launchWorker(worker.name()));
      }
    }
    return dead;
  }

  private ChildProcess launchWorker(String workerName) throws IOException {
    Map<String, String> env = new HashMap<>(workerSettings);
    env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
    env.put("FANOUT_WORKER_ID", workerName);
    return processes.startWorker(
        workerName, env, List.of(PLUGIN.toAbsolutePath()), FanoutProcesses.freePorts(1)[0]);
  }

  private void stop(List<ChildProcess> children) {
    long deadline = System.nanoTime() + GRACE.toNanos();
    Map<ChildProcess, List<ProcessHandle>> stopping = new HashMap<>();
    for (ChildProcess child : children) {
      stoppedOnPurpose.add(child);
      stopping.put(child, child.terminate());
    }
    stopping.forEach((child, descendants) -> child.awaitStopped(descendants, deadline));
  }

  private void awaitReady(ChildProcess child) throws InterruptedException {
    child.awaitReady(READY, "after " + READY.toSeconds() + " s", () -> false);
    report("%s ready in %.1f s (pid %d)", child.name(), seconds(child.sinceStart()), child.pid());
  }

  /** SIGKILL: the process dies at once, as a pod whose node fails. */
  void kill(ChildProcess child) throws InterruptedException {
    stoppedOnPurpose.add(child);
    child.kill();
    report("killed %s (pid %d) with SIGKILL", child.name(), child.pid());
  }

  /** A process of this bed that died although no test meant it to, or null. */
  ChildProcess unexpectedlyDead() {
    return processes.all().stream()
        .filter(c -> !c.isAlive() && !stoppedOnPurpose.contains(c))
        .findFirst()
        .orElse(null);
  }

  /**
   * Takes something away for {@code length}: runs {@code stop}, waits until each watched process
   * answers /readyz with 503 and the time is up (failing at once if a process of the bed dies),
   * then runs {@code restore}, even when the wait failed. Returns when the outage ended ({@link
   * System#nanoTime()}).
   */
  long outage(Duration length, Step stop, Step restore, List<ChildProcess> watched)
      throws Exception {
    long start = System.nanoTime();
    stop.run();
    double notReady;
    try {
      Http.awaitReadyz(503, length.minusSeconds(2), watched);
      notReady = seconds(Duration.ofNanos(System.nanoTime() - start));
      Duration rest = length.minusNanos(System.nanoTime() - start);
      await("the rest of the outage")
          .during(rest)
          .atMost(rest.plusSeconds(5))
          .failFast("a process died", () -> unexpectedlyDead() != null)
          .until(() -> true);
    } finally {
      restore.run();
    }
    long ended = System.nanoTime();
    report(
        "outage over after %.1f s; %s not ready %.1f s into it",
        seconds(Duration.ofNanos(ended - start)),
        watched.stream().map(ChildProcess::name).toList(),
        notReady);
    return ended;
  }

  /** Starts the clock and the report lines of a scenario. */
  void begin(String name) {
    scenario = name;
    scenarioStart = System.nanoTime();
  }

  /**
   * Ends a scenario: fails when a process not of the bed's running set is left over (an orphan of a
   * killed worker, say), or when one of that set died unasked.
   */
  void end() throws Exception {
    ChildProcess dead = unexpectedlyDead();
    List<Long> running = new ArrayList<>(List.of(sqs.process().pid(), operator.pid()));
    workers.stream().filter(ChildProcess::isAlive).forEach(w -> running.add(w.pid()));
    StrayProcesses.awaitNone(dir, running);
    report("scenario took %.1f s", seconds(Duration.ofNanos(System.nanoTime() - scenarioStart)));
    if (dead != null) {
      throw new AssertionError(dead.name() + " " + dead.exitDescription() + dead.logTail());
    }
  }

  /** One line of figures on stdout, where the build log keeps them. */
  void report(String format, Object... args) {
    System.out.printf(
        "[faults] %s +%.1fs: %s%n",
        scenario,
        seconds(Duration.ofNanos(System.nanoTime() - scenarioStart)),
        String.format(format, args));
  }

  static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /**
   * Stops the workers, the operator, the SQS server and PostgreSQL, then checks that no process of
   * the bed is left.
   */
  @Override
  public void close() {
    List<Throwable> problems = new ArrayList<>();
    run(
        problems,
        () -> {
          List<String> killed = processes.stopAll(GRACE, GRACE);
          if (!killed.isEmpty()) {
            report("had to kill %s after %d s", killed, GRACE.toSeconds());
          }
        });
    run(problems, sqs::close);
    run(problems, postgres::close);
    run(problems, kube::close);
    run(problems, () -> StrayProcesses.awaitNone(dir, List.of()));
    if (!problems.isEmpty()) {
      AssertionError error = new AssertionError("closing the fault bed failed");
      problems.forEach(error::addSuppressed);
      throw error;
    }
  }

  /** A step that may throw, such as stopping a server. */
  interface Step {
    void run() throws Exception;
  }

  private static void run(List<Throwable> problems, Step step) {
    try {
      step.run();
    } catch (Exception | AssertionError e) {
      problems.add(e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
