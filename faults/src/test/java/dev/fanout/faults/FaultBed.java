package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.testing.MockKube;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import dev.fanout.sandbox.JvmMode;
import dev.fanout.sandbox.RepoLayout;
import dev.fanout.sandbox.TaskRowReader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One fault test's world, as pods would see it: the fabric8 mock API server (CRUD, with the CRD), a
 * private PostgreSQL, ElasticMQ as a process of its own, and the operator and workers as processes
 * of the built jars, configured only through their environment variables. Everything lives in one
 * run directory (logs, kubeconfig, the handler's side-effect files); closing stops it all and fails
 * when any process of it is left.
 */
final class FaultBed implements AutoCloseable {
  static final String NAMESPACE = "default";
  static final String POOL = "default";
  private static final Duration READY = Duration.ofSeconds(120);
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final Path REPO = Path.of(System.getProperty("fanout.repo", "..")).normalize();
  private static final Path PLUGIN = Path.of(System.getProperty("fanout.faults.plugin", ""));
  private static final Path RUNS =
      Path.of(System.getProperty("fanout.faults.runs", "target/fault-runs"));

  private final String name;
  private final Path dir;
  private final MockKube kube;
  private final KubernetesClient client;
  private final PrivatePostgres postgres;
  private final FanoutProcesses processes;
  private final QueueNames names = new QueueNames(QueueNames.DEFAULT_PREFIX);
  private final CuttableLink sqsLink;
  private final SqsClient sqs;
  private final Set<ChildProcess> stoppedOnPurpose = ConcurrentHashMap.newKeySet();
  private final long startNanos = System.nanoTime();
  private final ChildProcess sqsServer;

  private FaultBed(String name) throws IOException {
    this.name = name;
    dir = RUNS.resolve(name).toAbsolutePath();
    deleteTree(dir);
    Files.createDirectories(dir);
    int[] ports = FanoutProcesses.freePorts(4);
    kube = new MockKube();
    client = kube.client();
    postgres = PrivatePostgres.start(REPO, ports[0], dir.resolve("postgres.log"));
    sqsServer =
        ChildProcess.start(
            "sqs",
            List.of(
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                SqsServerMain.class.getName(),
                String.valueOf(ports[1]),
                String.valueOf(ports[2]),
                String.valueOf(ports[3])),
            false,
            System.getenv(),
            ports[3],
            dir.resolve("sqs.log"));
    sqsLink = new CuttableLink(ports[2], ports[1]);
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    processes =
        new FanoutProcesses(new RepoLayout(REPO), dir, System.getenv(), kubeconfig, JvmMode.C1);
    URI direct = URI.create("http://localhost:" + ports[1]);
    sqs = SqsClients.create(new SqsSettings(direct, null, names), 4);
  }

  /**
   * Starts the API server and PostgreSQL, and the SQS server without waiting for it: {@link
   * #startOperator()} does.
   */
  static FaultBed start(String name) throws IOException {
    if (!Files.isRegularFile(PLUGIN)) {
      throw new IllegalStateException("the handler plugin jar " + PLUGIN + " is missing");
    }
    return new FaultBed(name);
  }

  Path dir() {
    return dir;
  }

  KubernetesClient client() {
    return client;
  }

  PrivatePostgres postgres() {
    return postgres;
  }

  /** Where the operator and workers reach SQS: through the link a test may cut. */
  private URI sqsEndpoint() {
    return URI.create("http://localhost:" + sqsLink.port());
  }

  /**
   * Makes SQS unreachable for the operator and the workers alike: connections are refused, open
   * ones reset. The server keeps its queues and messages, as SQS does through an outage.
   */
  void cutSqs() throws IOException {
    sqsLink.cut();
  }

  /** Makes SQS reachable again. */
  void restoreSqs() throws IOException {
    sqsLink.restore();
  }

  /** The operator, with the task rows in this bed's PostgreSQL and the queue on its SQS server. */
  ChildProcess startOperator() throws IOException, InterruptedException {
    Map<String, String> settings = new HashMap<>();
    settings.put("FANOUT_DB_URL", postgres.url());
    settings.put("FANOUT_DB_USER", postgres.user());
    settings.put("FANOUT_DB_PASSWORD", postgres.password());
    settings.put("AWS_ENDPOINT_URL_SQS", sqsEndpoint().toString());
    ChildProcess operator = processes.startOperator(settings, FanoutProcesses.freePorts(1)[0]);
    if (processes.all().size() == 1) {
      awaitReady(sqsServer); // started beside the first operator
    }
    awaitReady(operator);
    return operator;
  }

  /**
   * Starts a worker with the test handler plugin on its classpath and waits until it is ready.
   *
   * @param settings more environment variables (FANOUT_WORKER_CONCURRENCY, ...)
   */
  ChildProcess startWorker(String workerName, Map<String, String> settings)
      throws IOException, InterruptedException {
    ChildProcess worker = launchWorker(workerName, settings);
    awaitReady(worker);
    return worker;
  }

  /** Starts {@code count} workers side by side, {@code worker-1...}, and waits for them all. */
  List<ChildProcess> startWorkers(int count, Map<String, String> settings)
      throws IOException, InterruptedException {
    List<ChildProcess> workers = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      workers.add(launchWorker("worker-" + i, settings));
    }
    for (ChildProcess worker : workers) {
      awaitReady(worker);
    }
    return workers;
  }

  /** Starts a worker without waiting for it. */
  ChildProcess launchWorker(String workerName, Map<String, String> settings) throws IOException {
    Map<String, String> env = new HashMap<>(settings);
    env.put("AWS_ENDPOINT_URL_SQS", sqsEndpoint().toString());
    env.put("FANOUT_WORKER_ID", workerName);
    return processes.startWorker(
        workerName, env, List.of(PLUGIN.toAbsolutePath()), FanoutProcesses.freePorts(1)[0]);
  }

  void awaitReady(ChildProcess child) throws InterruptedException {
    child.awaitReady(READY, "after " + READY.toSeconds() + " s", () -> false);
    report("%s ready in %.1f s (pid %d)", child.name(), seconds(child.sinceStart()), child.pid());
  }

  /** SIGKILL: the process dies at once, as a pod whose node fails. */
  void kill(ChildProcess child) throws InterruptedException {
    stoppedOnPurpose.add(child);
    child.kill();
    report("killed %s (pid %d) with SIGKILL", child.name(), child.pid());
  }

  /** Takes note that the process died as the test meant it to. */
  void expectDead(ChildProcess child) {
    stoppedOnPurpose.add(child);
  }

  /** A process of this bed that died although the test did not mean it to, or null. */
  ChildProcess unexpectedlyDead() {
    return processes.all().stream()
        .filter(c -> !c.isAlive() && !stoppedOnPurpose.contains(c))
        .findFirst()
        .orElse(null);
  }

  /**
   * Lowers the pool queue's visibility timeout, once the operator has created the queue; workers
   * read it when they connect, so call this before starting them. The operator creates queues with
   * 60 s; a queue's owner may choose less, and the workers follow the queue (their heartbeat
   * extends a running task's message every third of it). The tests lower it so that a dead worker's
   * messages come back in seconds rather than in a minute.
   */
  void lowerVisibilityTimeout(int seconds) {
    String url =
        await("the operator to create queue " + names.tasks(POOL))
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () -> sqs.getQueueUrl(b -> b.queueName(names.tasks(POOL))).queueUrl(), u -> true);
    sqs.setQueueAttributes(
        b ->
            b.queueUrl(url)
                .attributes(
                    Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(seconds))));
  }

  /**
   * Creates a Job of the test handler {@code append-index}: each task waits {@code ms}, then
   * appends its index to {@link #effects(String)}.
   *
   * @param specLines more {@code spec} fields, one {@code key: value} each
   */
  Job createAppendJob(String jobName, int total, int ms, String... specLines) {
    StringBuilder more = new StringBuilder();
    for (String line : specLines) {
      more.append("\n  ").append(line);
    }
    return create(
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: %s
        spec:
          handler: append-index
          tasks:
            count: %d
          parameters:
            file: %s
            ms: %d%s
        """
            .formatted(jobName, total, effects(jobName), ms, more));
  }

  Job create(String yaml) {
    Job job = Serialization.unmarshal(yaml, Job.class);
    return client.resources(Job.class).inNamespace(NAMESPACE).resource(job).create();
  }

  Job job(String jobName) {
    return client.resources(Job.class).inNamespace(NAMESPACE).withName(jobName).get();
  }

  /** Tasks of the Job recorded as finished, succeeded or failed. */
  int done(String jobName) {
    Job job = job(jobName);
    if (job == null || job.getStatus() == null) {
      return 0;
    }
    return job.getStatus().completed().count() + job.getStatus().failedSet().count();
  }

  /** Waits until the Job finished; fails at once when a process of the bed dies unasked. */
  Job awaitFinished(String jobName, Duration limit) {
    return await("Job " + jobName + " to finish")
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .failFast("a process died", () -> unexpectedlyDead() != null)
        .until(() -> job(jobName), FaultBed::finished);
  }

  /**
   * Lets an outage that began at {@code sinceNanos} last {@code outage} in all, failing at once if
   * a process of the bed dies meanwhile.
   */
  void waitOut(long sinceNanos, Duration outage) {
    Duration rest = outage.minusNanos(System.nanoTime() - sinceNanos);
    if (rest.isPositive()) {
      await("the rest of the outage")
          .during(rest)
          .atMost(rest.plusSeconds(5))
          .failFast("a process died", () -> unexpectedlyDead() != null)
          .until(() -> true);
    }
  }

  /** Waits until the Job finished, whatever becomes of the processes meanwhile. */
  Job awaitFinishedDespiteDeaths(String jobName, Duration limit) {
    return await("Job " + jobName + " to finish")
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> job(jobName), FaultBed::finished);
  }

  /** What a user checks of a Job whose tasks all succeeded, each counted once. */
  static void assertAllSucceeded(Job job, int total) {
    JobStatus status = job.getStatus();
    assertThat(status.getPhase()).isEqualTo(JobPhase.Succeeded);
    assertThat(status.getSucceeded()).isEqualTo(total);
    assertThat(status.getFailed()).isZero();
    assertThat(status.getCompletedIndexes()).isEqualTo("0-" + (total - 1));
    assertThat(status.getProgress()).isEqualTo(total + "/" + total);
  }

  private static boolean finished(Job job) {
    return job != null && job.getStatus() != null && job.getStatus().isFinished();
  }

  /** The operator's task rows of the Job: counts by state and more. */
  TaskRowReader.Summary rows(String uid) throws SQLException {
    try (TaskRowReader reader =
        new TaskRowReader(postgres.url(), postgres.user(), postgres.password())) {
      return reader.read(uid);
    }
  }

  /** Waits until the Job's rows are closed and hold as many SUCCEEDED as given. */
  TaskRowReader.Summary awaitRows(String uid, long succeeded, Duration limit) {
    return await("the task rows of " + uid + " to catch up")
        .atMost(limit)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> rows(uid),
            s -> s.finished() && s.byState().getOrDefault("SUCCEEDED", 0L) == succeeded);
  }

  /** The handler's side-effect file for this Job. */
  Path effects(String jobName) {
    return dir.resolve(jobName + ".effects");
  }

  /** How often each index {@code 0..total-1} ran to the end, by the handler's own record. */
  Runs runs(String jobName, int total) throws IOException {
    int[] runs = new int[total];
    Path file = effects(jobName);
    if (Files.exists(file)) {
      try (Stream<String> lines = Files.lines(file)) {
        lines.filter(l -> !l.isBlank()).mapToInt(Integer::parseInt).forEach(i -> runs[i]++);
      }
    }
    return new Runs(runs);
  }

  /** Runs per index, as the handler recorded them. */
  record Runs(int[] perIndex) {
    /** Indexes that never ran to the end. */
    long missing() {
      return Arrays.stream(perIndex).filter(r -> r == 0).count();
    }

    /** Indexes that ran to the end more than once. */
    long repeated() {
      return Arrays.stream(perIndex).filter(r -> r > 1).count();
    }
  }

  /** One line of figures on stdout, where the build log keeps them. */
  void report(String format, Object... args) {
    System.out.printf(
        "[faults] %s +%.1fs: %s%n",
        name,
        seconds(Duration.ofNanos(System.nanoTime() - startNanos)),
        String.format(format, args));
  }

  static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /**
   * Stops the workers, the operator, the SQS server and PostgreSQL, then checks that no process of
   * the bed is left: none below this JVM, none whose command line names the run directory.
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
    run(
        problems,
        () -> {
          sqsLink.close();
          sqsServer.awaitStopped(sqsServer.terminate(), System.nanoTime() + GRACE.toNanos());
        });
    run(problems, sqs::close);
    run(problems, postgres::close);
    run(problems, kube::close);
    run(problems, this::checkNoneLeft);
    if (!problems.isEmpty()) {
      AssertionError error = new AssertionError("closing the fault bed " + name + " failed");
      problems.forEach(error::addSuppressed);
      throw error;
    }
  }

  private void checkNoneLeft() throws Exception {
    String mark = dir.toString();
    Callable<List<ProcessHandle>> left =
        () ->
            Stream.concat(
                    ProcessHandle.current().descendants(),
                    ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().orElse("").contains(mark)))
                .filter(ProcessHandle::isAlive)
                .distinct()
                .toList();
    try {
      await("the bed's processes to be gone")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .until(left, List::isEmpty);
    } catch (ConditionTimeoutException e) {
      List<ProcessHandle> stray = left.call();
      stray.forEach(ProcessHandle::destroyForcibly);
      throw new AssertionError(
          "processes left: "
              + stray.stream()
                  .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                  .toList());
    }
  }

  private interface Step {
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
