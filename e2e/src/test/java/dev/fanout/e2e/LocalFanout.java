package dev.fanout.e2e;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.testing.MockKube;
import dev.fanout.operator.FanoutOperator;
import dev.fanout.operator.OperatorConfig;
import dev.fanout.worker.Worker;
import dev.fanout.worker.WorkerConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Fanout on one machine, in this JVM: the mock API server with the CRD, ElasticMQ, H2, the real
 * operator and N real workers, each with its own Kubernetes client as separate pods would have.
 */
final class LocalFanout implements AutoCloseable {
  final MockKube kube = new MockKube();
  final EmbeddedSqsServer sqsServer = EmbeddedSqsServer.start("127.0.0.1", 0);
  final SqsSettings sqs =
      new SqsSettings(
          sqsServer.endpoint(),
          null,
          new QueueNames("e" + UUID.randomUUID().toString().substring(0, 8) + "-"));
  final FanoutOperator operator;
  final List<Worker> workers = new ArrayList<>();
  final List<KubernetesClient> clients = new ArrayList<>();

  final TestDatabase database;
  private SqsClient sqsClient;

  LocalFanout(int workerCount, int concurrency) {
    this(workerCount, concurrency, 100, TestDatabase.h2());
  }

  /**
   * @param maxReceiveCount deliveries after which SQS moves a task message to the pool's DLQ
   * @param database the task rows' database, closed with this
   */
  LocalFanout(int workerCount, int concurrency, int maxReceiveCount, TestDatabase database) {
    this(workerCount, concurrency, maxReceiveCount, database, 0);
  }

  /**
   * @param consolePort where the operator serves the console and its API (auth none: the mock API
   *     server has no TokenReview), or 0 for none
   */
  LocalFanout(
      int workerCount,
      int concurrency,
      int maxReceiveCount,
      TestDatabase database,
      int consolePort) {
    this.database = database;
    OperatorConfig config =
        new OperatorConfig(
            List.of(),
            database.url(),
            database.user(),
            database.password(),
            sqs,
            false,
            0,
            0,
            maxReceiveCount,
            5,
            List.of(JobSpec.DEFAULT_POOL),
            null,
            "local-operator",
            null,
            consolePort,
            dev.fanout.operator.console.ConsoleAuth.NONE);
    operator = new FanoutOperator(config, client(), () -> {}).start();
    for (int i = 0; i < workerCount; i++) {
      addWorker(concurrency);
    }
  }

  Worker addWorker(int concurrency) {
    return addWorker(concurrency, JobSpec.DEFAULT_POOL);
  }

  /** A worker serving that pool's queue. */
  Worker addWorker(int concurrency, String pool) {
    WorkerConfig config =
        new WorkerConfig(
            sqs,
            pool,
            concurrency,
            0,
            List.of(),
            Duration.ofMillis(250),
            Duration.ofSeconds(5),
            2,
            "worker-" + workers.size(),
            true);
    try {
      Worker worker = Worker.start(config, client());
      workers.add(worker);
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private KubernetesClient client() {
    KubernetesClient client = kube.newClient();
    clients.add(client);
    return client;
  }

  static Job job(String name, String handler, int count) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    JobSpec spec = new JobSpec();
    spec.setHandler(handler);
    spec.setTasks(TaskSource.ofCount(count));
    job.setSpec(spec);
    return job;
  }

  Job create(Job job) {
    return kube.client().resource(job).create();
  }

  Job get(String name) {
    return kube.client().resources(Job.class).inNamespace("default").withName(name).get();
  }

  /**
   * Changes the Job's spec as {@code kubectl edit} would, and as a user would, tries again when the
   * Job changed in between (409).
   */
  Job edit(String name, Consumer<JobSpec> change) {
    for (int tries = 1; ; tries++) {
      try {
        return kube.client()
            .resources(Job.class)
            .inNamespace("default")
            .withName(name)
            .edit(
                job -> {
                  change.accept(job.getSpec());
                  return job;
                });
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || tries == 10) {
          throw e;
        }
      }
    }
  }

  void delete(String name) {
    kube.client().resources(Job.class).inNamespace("default").withName(name).delete();
  }

  /** A client of the same SQS server, for looking at the queues as an operator of Fanout would. */
  synchronized SqsClient sqsClient() {
    if (sqsClient == null) {
      sqsClient = SqsClients.create(sqs, 4);
    }
    return sqsClient;
  }

  String queueUrl(String queueName) {
    return sqsClient().getQueueUrl(b -> b.queueName(queueName)).queueUrl();
  }

  /** Messages on the pool's task queue: visible, in flight and delayed. */
  int depth(String pool) {
    Map<QueueAttributeName, String> attributes =
        sqsClient()
            .getQueueAttributes(
                b ->
                    b.queueUrl(queueUrl(sqs.names().tasks(pool)))
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
            .attributes();
    return attributes.values().stream().mapToInt(Integer::parseInt).sum();
  }

  /** The Job's phase, or null while it has none. */
  dev.fanout.api.JobPhase phase(String name) {
    Job job = get(name);
    return job == null || job.getStatus() == null ? null : job.getStatus().getPhase();
  }

  double statusWrites() {
    return workers.stream()
        .mapToDouble(w -> w.registry().counter("fanout_status_writes").count())
        .sum();
  }

  double statusConflicts() {
    return workers.stream()
        .mapToDouble(w -> w.registry().counter("fanout_status_conflicts").count())
        .sum();
  }

  @Override
  public void close() {
    // Side by side: each waits for its last long poll.
    workers.parallelStream().forEach(Worker::close);
    operator.close();
    if (sqsClient != null) {
      sqsClient.close();
    }
    clients.forEach(KubernetesClient::close);
    sqsServer.close();
    kube.close();
    database.close();
  }
}
