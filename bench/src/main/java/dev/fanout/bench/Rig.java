package dev.fanout.bench;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import dev.fanout.sandbox.MockApiServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The system under test, on this machine: ElasticMQ and the mock Kubernetes API in this JVM, the
 * operator and the workers as processes of the built jars, configured only through the environment
 * variables of the API contract. The queue is not the operator's embedded one, so that the
 * operator's memory is its own, as with SQS in production.
 */
final class Rig implements AutoCloseable {
  static final String NAMESPACE = "default";
  static final Duration READY = Duration.ofMinutes(3);
  private static final QueueNames NAMES = new QueueNames("bench-");

  private final Path root;
  private final Path runDir;
  private final List<String> extraJvmOptions;
  private final int concurrency;
  private final String operatorHeap;
  private final EmbeddedSqsServer queueServer;
  private final SqsClient sqs;
  private final MockApiServer api;
  private final Path kubeconfig;
  private Node operator;
  private final List<Node> workers = new ArrayList<>();

  /** A started process with its GC log. */
  record Node(ChildProcess process, GcLog gc, String pool) {
    /** Waits until its {@code /readyz} answers 200. */
    void awaitReady() throws InterruptedException {
      process.awaitReady(READY, "after " + READY.toSeconds() + " s", () -> false);
    }

    /** What its {@code /metrics} says now. */
    MetricsText metrics() {
      try {
        HttpResponse<String> response = process.get("/metrics");
        if (response.statusCode() != 200) {
          throw new IllegalStateException(
              process.name() + " /metrics answered " + response.statusCode());
        }
        return new MetricsText(response.body());
      } catch (IOException e) {
        throw new IllegalStateException(process.name() + " /metrics: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(process.name() + " /metrics: interrupted", e);
      }
    }

    /** The most memory it has had resident (VmHWM), in bytes; -1 where /proc has none. */
    long peakRssBytes() {
      try {
        for (String line : Files.readAllLines(proc("status"))) {
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        // Not Linux, or gone.
      }
      return -1;
    }

    /**
     * Starts the resident-memory peak afresh from what it holds now (Linux: 5 into clear_refs), so
     * that {@link #peakRssBytes} covers only what follows.
     */
    void resetPeakRss() {
      try {
        Files.writeString(proc("clear_refs"), "5");
      } catch (IOException e) {
        // Not Linux, or not allowed: the peak then covers the process's whole life.
      }
    }

    private Path proc(String file) {
      return Path.of("/proc", Long.toString(process.pid()), file);
    }
  }

  /**
   * @param concurrency each worker's {@code FANOUT_WORKER_CONCURRENCY}; 0: the worker's default
   * @param operatorHeap the operator's {@code -Xmx}; null: the JVM's default
   */
  Rig(Path root, Path runDir, List<String> extraJvmOptions, int concurrency, String operatorHeap)
      throws IOException {
    this.root = root;
    this.runDir = runDir;
    this.extraJvmOptions = extraJvmOptions;
    this.concurrency = concurrency;
    this.operatorHeap = operatorHeap;
    for (Path jar : List.of(operatorJar(), workerJar())) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar + " is missing: build first (scripts/bench.sh does)");
      }
    }
    queueServer = EmbeddedSqsServer.start("127.0.0.1", 0);
    sqs = SqsClients.create(new SqsSettings(queueServer.endpoint(), null, NAMES), 64);
    api = new MockApiServer();
    kubeconfig = api.writeKubeconfig(runDir.resolve("kubeconfig"));
  }

  Path operatorJar() {
    return root.resolve("operator/target/fanout-operator.jar");
  }

  Path workerJar() {
    return root.resolve("worker/target/fanout-worker.jar");
  }

  Path runDir() {
    return runDir;
  }

  SqsClient sqs() {
    return sqs;
  }

  MockApiServer api() {
    return api;
  }

  String queueName(String pool) {
    return NAMES.tasks(pool);
  }

  /** The operator's H2 database; AUTO_SERVER lets this JVM read it while the operator runs. */
  String dbUrl() {
    return "jdbc:h2:file:" + runDir.resolve("db/fanout") + ";AUTO_SERVER=TRUE";
  }

  Node startOperator() throws IOException {
    return startOperator(Map.of());
  }

  /** The operator, with these settings besides the rig's. */
  Node startOperator(Map<String, String> settings) throws IOException {
    int port = FanoutProcesses.freePorts(1)[0];
    Map<String, String> env = baseEnv(port);
    env.put("FANOUT_DB_URL", dbUrl());
    env.put("FANOUT_SQS_EMBEDDED", "false");
    env.putAll(settings);
    operator = start("operator", operatorJar(), env, port, null);
    return operator;
  }

  Node operator() {
    return operator;
  }

  void stopOperator() {
    operator.process().stop(Duration.ofSeconds(30));
    operator = null;
  }

  /** A worker of {@code pool} with the default concurrency; not yet ready. */
  Node startWorker(String pool) throws IOException {
    int port = FanoutProcesses.freePorts(1)[0];
    Map<String, String> env = baseEnv(port);
    String name = "worker-" + pool + "-" + (workers(pool).size() + 1);
    env.put("FANOUT_POOL", pool);
    env.put("FANOUT_WORKER_ID", name);
    // Long polls return as soon as a message comes, whatever this is; it only bounds how long a
    // stopping worker waits for its last poll to end.
    env.put("FANOUT_RECEIVE_WAIT_SECONDS", "5");
    if (concurrency > 0) {
      env.put("FANOUT_WORKER_CONCURRENCY", Integer.toString(concurrency));
    }
    Node worker = start(name, workerJar(), env, port, pool);
    workers.add(worker);
    return worker;
  }

  List<Node> workers(String pool) {
    return workers.stream().filter(w -> w.pool().equals(pool)).toList();
  }

  /**
   * Starts workers of {@code pool} until there are {@code count}, and waits until all are ready.
   */
  List<Node> scaleWorkers(String pool, int count) throws IOException, InterruptedException {
    while (workers(pool).size() < count) {
      startWorker(pool);
    }
    for (Node node : workers(pool)) {
      node.awaitReady();
    }
    return workers(pool);
  }

  void stopWorkers(String pool) {
    scaleDown(pool, 0);
  }

  /** Stops the newest workers of {@code pool} until {@code count} are left. */
  void scaleDown(String pool, int count) {
    List<Node> all = workers(pool);
    List<Node> stopping = all.subList(count, all.size());
    stopping.parallelStream().forEach(w -> w.process().stop(Duration.ofSeconds(30)));
    workers.removeAll(List.copyOf(stopping));
  }

  private Node start(String name, Path jar, Map<String, String> env, int port, String pool)
      throws IOException {
    GcLog gc = new GcLog(runDir.resolve(name + "-gc.log"));
    List<String> options = new ArrayList<>(List.of(gc.option()));
    if (pool == null && operatorHeap != null) {
      options.add("-Xmx" + operatorHeap);
    }
    // A program started again under the same name (the operator of (3), or one that exited at
    // start) gets a log and a profile of its own.
    Path log = runDir.resolve(name + ".log");
    String file = name;
    for (int n = 2; Files.exists(log); n++) {
      file = name + "." + n;
      log = runDir.resolve(file + ".log");
    }
    for (String option : extraJvmOptions) {
      options.add(option.replace("{name}", runDir.resolve(file).toString()));
    }
    options.addAll(List.of("-jar", jar.toString()));
    ChildProcess process = ChildProcess.start(name, options, false, env, port, log);
    return new Node(process, gc, pool);
  }

  private Map<String, String> baseEnv(int httpPort) {
    Map<String, String> env = ChildProcess.strippedEnvironment(System.getenv());
    env.remove("JAVA_TOOL_OPTIONS");
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("FANOUT_NAMESPACES", NAMESPACE);
    env.put("FANOUT_HTTP_PORT", Integer.toString(httpPort));
    // No console: not measured here, and its fixed default port would clash between runs.
    env.put("FANOUT_CONSOLE_PORT", "0");
    env.put("FANOUT_QUEUE_PREFIX", NAMES.prefix());
    env.put("AWS_ENDPOINT_URL_SQS", queueServer.endpoint().toString());
    return env;
  }

  /** Creates a Job of {@code count} tasks; returns the time just before the create call. */
  long create(String name, String handler, int count, String pool) {
    return create(name, handler, count, pool, spec -> {});
  }

  /** The same, with the rest of the spec set by {@code more}. */
  long create(String name, String handler, int count, String pool, Consumer<JobSpec> more) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    JobSpec spec = new JobSpec();
    spec.setHandler(handler);
    spec.setTasks(TaskSource.ofCount(count));
    spec.setPool(pool);
    more.accept(spec);
    job.setSpec(spec);
    long start = System.nanoTime();
    api.client().resource(job).create();
    return start;
  }

  Job get(String name) {
    return api.client().resources(Job.class).inNamespace(NAMESPACE).withName(name).get();
  }

  @Override
  public void close() {
    workers.parallelStream().forEach(w -> w.process().stop(Duration.ofSeconds(30)));
    workers.clear();
    if (operator != null) {
      operator.process().stop(Duration.ofSeconds(30));
    }
    sqs.close();
    api.close();
    queueServer.close();
  }
}
