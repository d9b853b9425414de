package dev.fanout.e2e;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.testing.MockKube;
import dev.fanout.operator.FanoutOperator;
import dev.fanout.operator.OperatorConfig;
import dev.fanout.worker.Worker;
import dev.fanout.worker.WorkerConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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

  LocalFanout(int workerCount, int concurrency) {
    String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    OperatorConfig config =
        new OperatorConfig(List.of(), db, "sa", "", sqs, false, 0, 0, 100, false, null);
    operator = new FanoutOperator(config, client()).start();
    for (int i = 0; i < workerCount; i++) {
      addWorker(concurrency);
    }
  }

  Worker addWorker(int concurrency) {
    WorkerConfig config =
        new WorkerConfig(
            sqs,
            JobSpec.DEFAULT_POOL,
            concurrency,
            0,
            List.of(),
            Duration.ofMillis(250),
            Duration.ofSeconds(5),
            15,
            2,
            "worker-" + workers.size());
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
    workers.forEach(Worker::close);
    operator.close();
    clients.forEach(KubernetesClient::close);
    sqsServer.close();
    kube.close();
  }
}
