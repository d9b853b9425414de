package dev.fanout.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fanout.api.Job;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.status.Finished;
import dev.fanout.common.status.JobStatusWriter;
import dev.fanout.common.status.WorkerFields;
import dev.fanout.worker.StatusPath;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Measures, on a real API server, the two ways workers can record finished tasks in a Job's status
 * when several write at once: the production way (read, merge, JSON merge patch with the
 * resourceVersion as precondition, {@link JobStatusWriter}) and server-side apply (each writer its
 * own field manager). Prints a table; the figures and the decision are in docs/status-writes.md.
 */
class StatusWritesIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String NS = "status-writes";
  private static final int TASKS = 1_000;
  private static final int BATCH = 25;
  private static final int[] WRITERS = {1, 4, 16};
  private static final List<KubernetesClient> clients = new ArrayList<>();

  /**
   * Tasks of the Job the workers' status paths record: small by default (CI), 100,000 for the
   * figures in docs/status-writes.md ({@code -Dfanout.statusWriters.tasks=100000}).
   */
  private static final int WORKERS_TASKS = Integer.getInteger("fanout.statusWriters.tasks", 1_000);

  /** Worker counts, in order ({@code -Dfanout.statusWriters.workers=4,64} for fewer). */
  private static final int[] WORKERS =
      java.util.Arrays.stream(
              System.getProperty("fanout.statusWriters.workers", "1,4,16,64").split(","))
          .mapToInt(w -> Integer.parseInt(w.trim()))
          .toArray();

  /** Whether each worker runs its Job informer, as workers do (their events cost CPU here). */
  private static final boolean INFORMERS =
      Boolean.parseBoolean(System.getProperty("fanout.statusWriters.informers", "true"));

  /** How a writer records a batch. */
  enum Strategy {
    /** Production: read, merge, merge patch carrying metadata.resourceVersion; 409: again. */
    PATCH_WITH_RESOURCE_VERSION,
    /** Read, merge, apply (force) carrying metadata.resourceVersion; 409: again. */
    APPLY_WITH_RESOURCE_VERSION,
    /** Read, merge, apply (force) with no precondition: each writer's field manager wins. */
    APPLY_FORCED
  }

  /** What one run did. */
  record Run(
      Strategy strategy,
      int writers,
      long writes,
      long conflicts,
      long reads,
      int gaveUp,
      double seconds,
      double serverMillis,
      int bytes,
      int recorded) {}

  @BeforeAll
  static void installCrd() throws Exception {
    kube.installCrd();
    kube.createNamespace(NS);
    Config config = Config.fromKubeconfig(Files.readString(kube.kubeconfig()));
    for (int i = 0; i < java.util.Arrays.stream(WORKERS).max().orElse(1); i++) {
      clients.add(new KubernetesClientBuilder().withConfig(config).build());
    }
  }

  @AfterAll
  static void closeClients() {
    clients.forEach(KubernetesClient::close);
  }

  @Test
  void mergePatchAndServerSideApplyUnderConcurrentWriters() throws Exception {
    // Not reported: the first runs in a JVM pay for class loading and JIT compilation.
    run(Strategy.PATCH_WITH_RESOURCE_VERSION, 4, "warm-up-1");
    run(Strategy.APPLY_WITH_RESOURCE_VERSION, 4, "warm-up-2");
    List<Run> runs = new ArrayList<>();
    // Interleaved, so that each N's strategies meet the same load on this shared machine.
    for (int writers : WRITERS) {
      for (Strategy strategy : Strategy.values()) {
        runs.add(
            run(
                strategy,
                writers,
                strategy.name().toLowerCase().replace('_', '-') + "-" + writers));
      }
    }
    StringBuilder table = new StringBuilder();
    table.append(
        "Status writes on kube-apiserver: %d tasks recorded in batches of %d by N concurrent writers%n"
            .formatted(TASKS, BATCH));
    table.append(
        "  %-34s %3s %6s %5s %5s %6s %7s %9s %6s %9s%n"
            .formatted(
                "strategy",
                "N",
                "writes",
                "409s",
                "GETs",
                "gaveUp",
                "seconds",
                "server ms",
                "bytes",
                "recorded"));
    for (Run r : runs) {
      table.append(
          "  %-34s %3d %6d %5d %5d %6d %7.1f %9.1f %6d %9s%n"
              .formatted(
                  r.strategy(),
                  r.writers(),
                  r.writes(),
                  r.conflicts(),
                  r.reads(),
                  r.gaveUp(),
                  r.seconds(),
                  r.serverMillis(),
                  r.bytes(),
                  r.recorded() + "/" + TASKS));
    }
    table
        .append("  (server ms: the API server's mean time per status request, 409s included;")
        .append(" bytes: the Job as JSON afterwards, managedFields included)")
        .append(System.lineSeparator());
    System.out.print(table);

    for (Run r : runs) {
      if (r.strategy() != Strategy.APPLY_FORCED) {
        assertThat(r.recorded())
            .as("%s with %d writers loses nothing", r.strategy(), r.writers())
            .isEqualTo(TASKS);
        assertThat(r.writes()).as("one write per batch").isEqualTo(TASKS / BATCH);
      }
    }
  }

  /** What N workers' status paths did with one Job. */
  record WorkersRun(
      int workers,
      int tasks,
      double seconds,
      long writes,
      long conflicts,
      long reads,
      double serverMillis,
      String completedIndexes,
      Integer succeeded,
      String failedIndexes,
      int leftInQueue) {
    double writesPerSecond() {
      return writes / seconds;
    }

    double conflictsPerWrite() {
      return writes == 0 ? 0 : (double) conflicts / writes;
    }

    double tasksPerSecond() {
      return tasks / seconds;
    }

    boolean everyIndexOnce() {
      return ("0-" + (tasks - 1)).equals(completedIndexes)
          && Integer.valueOf(tasks).equals(succeeded)
          && failedIndexes == null;
    }
  }

  /**
   * The status path of N workers (1, 4, 16, 64), each with its own client, Job informer and the
   * worker's own {@code StatusWriter}, recording disjoint shares of one Job's tasks as fast as they
   * can: received task messages, finished at once, held back at the worker's backlog limit. Asserts
   * only what must hold whatever the timing: every index in the status once, every message deleted.
   */
  @Test
  void workersStatusPathsRecordEveryIndexOfOneJobOnce() throws Exception {
    List<WorkersRun> runs = new ArrayList<>();
    try (EmbeddedSqsServer sqsServer = EmbeddedSqsServer.start("127.0.0.1", 0);
        SqsClient sqs = SqsClients.create(new SqsSettings(sqsServer.endpoint(), null, null), 32)) {
      if (WORKERS_TASKS >= 10_000) {
        // Not reported: class loading and the JIT; only worth it when the figures are.
        workersRun(sqs, 4, 1_000, "workers-warm-up");
      }
      for (int workers : WORKERS) {
        runs.add(workersRun(sqs, workers, WORKERS_TASKS, "workers-" + workers));
      }
    }
    StringBuilder table = new StringBuilder();
    table.append(
        "Workers' status paths on kube-apiserver: one Job of %d tasks, N workers%s%n"
            .formatted(WORKERS_TASKS, INFORMERS ? "" : " (no Job informers)"));
    table.append(
        "  %3s %7s %6s %5s %5s %8s %10s %9s %9s %-14s %9s %5s%n"
            .formatted(
                "N",
                "seconds",
                "writes",
                "409s",
                "GETs",
                "writes/s",
                "409s/write",
                "tasks/s",
                "server ms",
                "completed",
                "succeeded",
                "left"));
    for (WorkersRun r : runs) {
      table.append(
          "  %3d %7.1f %6d %5d %5d %8.1f %10.2f %9.0f %9.1f %-14s %9s %5d%n"
              .formatted(
                  r.workers(),
                  r.seconds(),
                  r.writes(),
                  r.conflicts(),
                  r.reads(),
                  r.writesPerSecond(),
                  r.conflictsPerWrite(),
                  r.tasksPerSecond(),
                  r.serverMillis(),
                  r.completedIndexes(),
                  r.succeeded(),
                  r.leftInQueue()));
    }
    table
        .append("  (writes, 409s, GETs: the API server's own counts for the Job; left: task")
        .append(" messages not deleted)")
        .append(System.lineSeparator());
    System.out.print(table);

    for (WorkersRun r : runs) {
      assertThat(r.everyIndexOnce())
          .as(
              "%d workers: every index once (%s, succeeded %s)",
              r.workers(), r.completedIndexes(), r.succeeded())
          .isTrue();
      assertThat(r.leftInQueue()).as("%d workers: every message deleted", r.workers()).isZero();
    }
  }

  private WorkersRun workersRun(SqsClient sqs, int workers, int tasks, String name)
      throws Exception {
    Job job = createJob(name, tasks);
    String prefix = name + "-";
    String tasksUrl = createQueues(sqs, prefix);
    List<List<Message>> shares = receiveShares(sqs, tasksUrl, job, workers);
    List<StatusPath> paths = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      StatusPath path = new StatusPath("worker-" + w, clients.get(w), sqs, prefix, NS);
      path.start(INFORMERS);
      paths.add(path);
    }
    ApiServerMetrics before = kube.metrics();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        StatusPath path = paths.get(w);
        List<Message> share = shares.get(w);
        done.add(
            pool.submit(
                () -> {
                  for (Message m : share) {
                    path.finish(m);
                  }
                  while (path.pending() > 0) {
                    TimeUnit.MILLISECONDS.sleep(2);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdown();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ApiServerMetrics delta = kube.metrics().since(before);
    for (StatusPath path : paths) {
      path.drain(Duration.ofSeconds(5));
      path.close();
    }
    Map<String, Long> requests =
        delta.sumBy(
            "apiserver_request_total",
            s -> s.label("group").equals("fanout.dev") && s.label("resource").equals("jobs"),
            "verb",
            "subresource",
            "code");
    Predicate<ApiServerMetrics.Sample> statusWrites =
        s ->
            s.label("group").equals("fanout.dev")
                && s.label("resource").equals("jobs")
                && s.label("subresource").equals("status")
                && s.label("verb").equals("PATCH");
    double serverSeconds = delta.total("apiserver_request_duration_seconds_sum", statusWrites);
    long serverCount = delta.sum("apiserver_request_duration_seconds_count", statusWrites);
    Job after = kube.client().resources(Job.class).inNamespace(NS).withName(name).get();
    var status = after.getStatus();
    return new WorkersRun(
        workers,
        tasks,
        seconds,
        requests.getOrDefault("PATCH status 200", 0L),
        requests.getOrDefault("PATCH status 409", 0L),
        requests.getOrDefault("GET  200", 0L),
        serverCount == 0 ? 0 : serverSeconds * 1000 / serverCount,
        status == null ? null : status.getCompletedIndexes(),
        status == null ? null : status.getSucceeded(),
        status == null ? null : status.getFailedIndexes(),
        depth(sqs, tasksUrl));
  }

  /** The pool's queues as the operator creates them; returns the task queue's URL. */
  private static String createQueues(SqsClient sqs, String prefix) {
    QueueNames names = new QueueNames(prefix);
    sqs.createQueue(r -> r.queueName(names.deadLetters("default")));
    sqs.createQueue(r -> r.queueName(names.outcomes()));
    return sqs.createQueue(
            r ->
                r.queueName(names.tasks("default"))
                    .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "3600")))
        .queueUrl();
  }

  /**
   * Sends the Job's task messages and receives them all, ten at a time as workers do; worker w gets
   * every N-th receive. Untimed: the measurement is of the status path alone.
   */
  private static List<List<Message>> receiveShares(
      SqsClient sqs, String tasksUrl, Job job, int workers) {
    int tasks = job.getSpec().taskCount();
    List<List<TaskMessage>> chunks = new ArrayList<>();
    for (int from = 0; from < tasks; from += 10) {
      List<TaskMessage> chunk = new ArrayList<>();
      for (int i = from; i < Math.min(tasks, from + 10); i++) {
        chunk.add(task(job, i));
      }
      chunks.add(chunk);
    }
    chunks.parallelStream()
        .forEach(
            chunk -> {
              List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
              for (TaskMessage task : chunk) {
                entries.add(
                    SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .messageBody(Messages.encode(task))
                        .build());
              }
              sqs.sendMessageBatch(r -> r.queueUrl(tasksUrl).entries(entries));
            });
    List<List<Message>> receives = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger received = new AtomicInteger();
    IntStream.range(0, 8)
        .parallel()
        .forEach(
            i -> {
              while (received.get() < tasks) {
                List<Message> got =
                    sqs.receiveMessage(
                            r ->
                                r.queueUrl(tasksUrl)
                                    .maxNumberOfMessages(10)
                                    .waitTimeSeconds(1)
                                    .messageSystemAttributeNamesWithStrings("All"))
                        .messages();
                if (!got.isEmpty()) {
                  receives.add(got);
                  received.addAndGet(got.size());
                }
              }
            });
    List<List<Message>> shares = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      shares.add(new ArrayList<>());
    }
    for (int r = 0; r < receives.size(); r++) {
      shares.get(r % workers).addAll(receives.get(r));
    }
    return shares;
  }

  private static TaskMessage task(Job job, int index) {
    var spec = job.getSpec();
    return new TaskMessage(
        TaskMessage.VERSION,
        uid(job),
        NS,
        job.getMetadata().getName(),
        index,
        spec.taskCount(),
        spec.getHandler(),
        spec.getCommand(),
        null,
        spec.effectiveMaxAttempts(),
        spec.effectiveTaskTimeoutSeconds(),
        spec.getBackoff(),
        0);
  }

  private static int depth(SqsClient sqs, String queueUrl) {
    return sqs
        .getQueueAttributes(
            r ->
                r.queueUrl(queueUrl)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
        .attributes()
        .values()
        .stream()
        .mapToInt(Integer::parseInt)
        .sum();
  }

  /**
   * Why apply cannot give each worker fields of its own: the worker fields (the index sets, the
   * counts) are shared by every worker, so a second field manager's apply without force is refused.
   */
  @Test
  void applyWithoutForceByASecondWriterConflictsOnTheSharedFields() {
    String name = "two-managers";
    createJob(name);
    applyOnce(clients.get(0), "writer-0", name, List.of(Finished.success(0, 1)), false, false);
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                applyOnce(
                    clients.get(1),
                    "writer-1",
                    name,
                    List.of(Finished.success(1, 1)),
                    false,
                    false));
    assertThat(e).isNotNull();
    assertThat(e.getCode()).isEqualTo(409);
    assertThat(e.getMessage())
        .contains("conflict with \"writer-0\"")
        .contains(".status.completedIndexes")
        .contains(".status.succeeded");
  }

  private Run run(Strategy strategy, int writers, String name) throws Exception {
    Job job = createJob(name);
    ConcurrentLinkedQueue<List<Finished>> batches = new ConcurrentLinkedQueue<>();
    for (int from = 0; from < TASKS; from += BATCH) {
      batches.add(
          IntStream.range(from, from + BATCH).mapToObj(i -> Finished.success(i, 1)).toList());
    }
    AtomicInteger gaveUp = new AtomicInteger();
    ApiServerMetrics before = kube.metrics();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        KubernetesClient client = clients.get(w);
        String manager = "writer-" + w;
        JobStatusWriter patcher = new JobStatusWriter(client, new SimpleMeterRegistry());
        done.add(
            pool.submit(
                () -> {
                  List<Finished> batch;
                  while ((batch = batches.poll()) != null) {
                    try {
                      if (strategy == Strategy.PATCH_WITH_RESOURCE_VERSION) {
                        patcher.record(NS, name, uid(job), TASKS, null, batch);
                      } else {
                        apply(client, manager, name, batch, strategy);
                      }
                    } catch (JobStatusWriter.ConflictException e) {
                      // As the worker's StatusWriter does: keep the batch, try again later.
                      gaveUp.incrementAndGet();
                      batches.add(batch);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ApiServerMetrics delta = kube.metrics().since(before);
    Map<String, Long> requests =
        delta.sumBy(
            "apiserver_request_total",
            s -> s.label("group").equals("fanout.dev") && s.label("resource").equals("jobs"),
            "verb",
            "subresource",
            "code");
    Job after = kube.client().resources(Job.class).inNamespace(NS).withName(name).get();
    Predicate<ApiServerMetrics.Sample> statusWrites =
        s ->
            s.label("group").equals("fanout.dev")
                && s.label("resource").equals("jobs")
                && s.label("subresource").equals("status")
                && (s.label("verb").equals("PATCH") || s.label("verb").equals("APPLY"));
    double serverSeconds = delta.total("apiserver_request_duration_seconds_sum", statusWrites);
    long serverCount = delta.sum("apiserver_request_duration_seconds_count", statusWrites);
    // Server-side apply is a PATCH that the API server counts as verb APPLY.
    return new Run(
        strategy,
        writers,
        requests.getOrDefault("PATCH status 200", 0L)
            + requests.getOrDefault("APPLY status 200", 0L),
        requests.getOrDefault("PATCH status 409", 0L)
            + requests.getOrDefault("APPLY status 409", 0L),
        requests.getOrDefault("GET  200", 0L),
        gaveUp.get(),
        seconds,
        serverCount == 0 ? 0 : serverSeconds * 1000 / serverCount,
        Serialization.asJson(after).length(),
        after.getStatus() == null || after.getStatus().getSucceeded() == null
            ? 0
            : after.getStatus().getSucceeded());
  }

  /**
   * Records a batch by server-side apply of the merged worker fields, as field manager {@code
   * manager}: with the resourceVersion as precondition (retrying on 409 like the patcher), or
   * without.
   */
  private static void apply(
      KubernetesClient client, String manager, String name, List<Finished> batch, Strategy strategy)
      throws InterruptedException {
    for (int tries = 1; tries <= JobStatusWriter.MAX_TRIES; tries++) {
      try {
        applyOnce(
            client, manager, name, batch, strategy == Strategy.APPLY_WITH_RESOURCE_VERSION, true);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 10 * Math.min(tries, 5) + 1));
      }
    }
    throw new JobStatusWriter.ConflictException(
        manager + ": gave up after " + JobStatusWriter.MAX_TRIES + " tries");
  }

  /** Reads the Job, merges the batch into its worker fields, applies them as {@code manager}. */
  private static void applyOnce(
      KubernetesClient client,
      String manager,
      String name,
      List<Finished> batch,
      boolean withResourceVersion,
      boolean force) {
    Job job = client.resources(Job.class).inNamespace(NS).withName(name).get();
    WorkerFields merged = WorkerFields.of(job.getStatus(), TASKS).merge(batch);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    metadata.put("namespace", NS);
    if (withResourceVersion) {
      metadata.put("resourceVersion", job.getMetadata().getResourceVersion());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", Job.GROUP + "/" + Job.VERSION);
    body.put("kind", "Job");
    body.put("metadata", metadata);
    body.put("status", merged.asStatusPatch());
    // On a handle with the object (not withName), fabric8 sends the patch without a GET first.
    client
        .resource(job)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(manager)
                .withForce(force)
                .build(),
            Messages.encode(body));
  }

  private static Job createJob(String name) {
    return createJob(name, TASKS);
  }

  private static Job createJob(String name, int tasks) {
    kube.kubectl()
        .run(
            List.of("create", "-n", NS, "-f", "-"),
            """
            apiVersion: fanout.dev/v1alpha1
            kind: Job
            metadata:
              name: %s
            spec:
              handler: noop
              tasks:
                count: %d
            """
                .formatted(name, tasks))
        .outOrFail();
    return kube.client().resources(Job.class).inNamespace(NS).withName(name).get();
  }

  private static String uid(Job job) {
    return job.getMetadata().getUid();
  }
}
