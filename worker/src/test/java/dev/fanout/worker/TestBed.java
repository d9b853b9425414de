package dev.fanout.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskSource;
import dev.fanout.common.config.Env;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.testing.MockKube;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What a worker meets in production, in this JVM: the mock API server with the real CRD, an
 * embedded SQS server, and queues created as the operator creates them.
 */
final class TestBed implements AutoCloseable {
  /** The mock server logs every request through java.util.logging; held so it stays quiet. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  final MockKube kube = new MockKube();
  final EmbeddedSqsServer sqsServer = EmbeddedSqsServer.start("127.0.0.1", 0);
  final SqsClient sqs =
      SqsClients.create(new SqsSettings(sqsServer.endpoint(), null, new QueueNames("test-")), 16);
  private final List<Worker> workers = new CopyOnWriteArrayList<>();

  /** A pool's queues: {@code <prefix><pool>} with its DLQ, and {@code <prefix>outcomes}. */
  record Queues(String prefix, String pool, String tasksUrl, String dlqUrl, String outcomesUrl) {}

  /** Creates the queues the way the operator does. */
  Queues createQueues(String prefix, int visibilitySeconds) {
    return createQueues(prefix, visibilitySeconds, 100);
  }

  /** Creates the queues the way the operator does, moving a message to the DLQ on that receive. */
  Queues createQueues(String prefix, int visibilitySeconds, int maxReceiveCount) {
    QueueNames names = new QueueNames(prefix);
    String pool = "default";
    String dlqUrl = sqs.createQueue(r -> r.queueName(names.deadLetters(pool))).queueUrl();
    String dlqArn =
        sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String redrive =
        "{\"deadLetterTargetArn\":\""
            + dlqArn
            + "\",\"maxReceiveCount\":\""
            + maxReceiveCount
            + "\"}";
    String tasksUrl =
        sqs.createQueue(
                r ->
                    r.queueName(names.tasks(pool))
                        .attributes(
                            Map.of(
                                QueueAttributeName.REDRIVE_POLICY,
                                redrive,
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                Integer.toString(visibilitySeconds))))
            .queueUrl();
    String outcomesUrl = sqs.createQueue(r -> r.queueName(names.outcomes())).queueUrl();
    return new Queues(prefix, pool, tasksUrl, dlqUrl, outcomesUrl);
  }

  /** Creates a Job with {@code status.total} set, as the operator leaves it. */
  Job createJob(String namespace, String name, int total, Consumer<JobSpec> spec) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    JobSpec s = new JobSpec();
    s.setHandler("noop");
    s.setTasks(TaskSource.ofCount(total));
    spec.accept(s);
    job.setSpec(s);
    Job created = kube.client().resource(job).create();
    JobStatus status = new JobStatus();
    status.setTotal(total);
    status.setPhase(JobPhase.Running);
    created.setStatus(status);
    return kube.client().resource(created).updateStatus();
  }

  Job read(Job job) {
    return kube.client()
        .resources(Job.class)
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .get();
  }

  JobStatus status(Job job) {
    Job now = read(job);
    return now == null || now.getStatus() == null ? new JobStatus() : now.getStatus();
  }

  /** The task message the operator would send for that index. */
  static TaskMessage task(Job job, int index) {
    JobSpec spec = job.getSpec();
    // The operator merges the Job's parameters with the task's item; count tasks have no item.
    ObjectNode params = spec.getParameters() instanceof ObjectNode o ? o : null;
    return new TaskMessage(
        TaskMessage.VERSION,
        job.getMetadata().getUid(),
        job.getMetadata().getNamespace(),
        job.getMetadata().getName(),
        index,
        spec.taskCount(),
        spec.getHandler(),
        spec.getCommand(),
        params,
        spec.effectiveMaxAttempts(),
        spec.effectiveTaskTimeoutSeconds(),
        spec.getBackoff(),
        0);
  }

  /** The message the operator would send for indexes {@code from..to} packed together. */
  static TaskMessage packed(Job job, int from, int to) {
    TaskMessage first = task(job, from);
    return first.carrying(
        dev.fanout.api.IndexSet.range(from, to),
        java.util.Collections.nCopies(to - from + 1, first.params()),
        0,
        0);
  }

  void enqueue(Queues queues, Job job, int from, int to) {
    List<TaskMessage> tasks = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      tasks.add(task(job, i));
    }
    enqueue(queues, tasks);
  }

  void enqueue(Queues queues, List<TaskMessage> tasks) {
    List<List<TaskMessage>> chunks = new ArrayList<>();
    for (int from = 0; from < tasks.size(); from += 10) {
      chunks.add(tasks.subList(from, Math.min(tasks.size(), from + 10)));
    }
    // Side by side, as the operator's fan-out would: one call at a time is slow here.
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
              sqs.sendMessageBatch(r -> r.queueUrl(queues.tasksUrl()).entries(entries));
            });
  }

  /** Messages in the queue: visible, in flight and delayed. */
  int depth(String queueUrl) {
    Map<QueueAttributeName, String> attributes =
        sqs.getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
            .attributes();
    return attributes.values().stream().mapToInt(Integer::parseInt).sum();
  }

  /** Takes every outcome message off the outcome queue. */
  List<Outcome> drainOutcomes(Queues queues) {
    List<Outcome> outcomes = new ArrayList<>();
    while (true) {
      List<Message> messages =
          sqs.receiveMessage(r -> r.queueUrl(queues.outcomesUrl()).maxNumberOfMessages(10))
              .messages();
      if (messages.isEmpty()) {
        return outcomes;
      }
      List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
      for (Message m : messages) {
        outcomes.addAll(Messages.decodeOutcomes(m.body()));
        entries.add(
            DeleteMessageBatchRequestEntry.builder()
                .id(Integer.toString(entries.size()))
                .receiptHandle(m.receiptHandle())
                .build());
      }
      sqs.deleteMessageBatch(r -> r.queueUrl(queues.outcomesUrl()).entries(entries));
    }
  }

  Map<String, String> env(Queues queues) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_ENDPOINT_URL_SQS", sqsServer.endpoint().toString());
    env.put("FANOUT_QUEUE_PREFIX", queues.prefix());
    env.put("FANOUT_HTTP_PORT", "0");
    env.put("FANOUT_SHUTDOWN_GRACE_SECONDS", "5");
    // Shutdown waits for the last long poll; keep that short.
    env.put("FANOUT_RECEIVE_WAIT_SECONDS", "1");
    env.put("FANOUT_WORKER_ID", "worker-" + workers.size());
    return env;
  }

  /**
   * A client of the mock server as a worker has, through {@code config}, that notes each request it
   * sends ({@code "GET /apis/fanout.dev/v1alpha1/namespaces/ns/jobs/name"}) in {@code sent}.
   */
  static KubernetesClient recordingClient(Config config, Queue<String> sent) {
    Interceptor recorder =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            sent.add(request.method() + " " + request.uri().getPath());
          }
        };
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("recorder", recorder))
        .build();
  }

  Worker startWorker(Queues queues, Map<String, String> overrides) {
    return startWorker(queues, overrides, kube.newClient());
  }

  Worker startWorker(Queues queues, Map<String, String> overrides, KubernetesClient client) {
    Map<String, String> env = env(queues);
    env.putAll(overrides);
    try {
      Worker worker = Worker.start(WorkerConfig.from(new Env(env)), client);
      workers.add(worker);
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Worker startWorker(Queues queues) {
    return startWorker(queues, Map.of());
  }

  static double counter(Worker worker, String name, String... tags) {
    var counter = worker.registry().find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Shuts down every worker still running; for @AfterEach. */
  void stopWorkers() {
    // Side by side: each waits for its last long poll.
    workers.parallelStream().forEach(Worker::shutdown);
    workers.clear();
  }

  @Override
  public void close() {
    stopWorkers();
    sqs.close();
    sqsServer.close();
    kube.close();
  }
}
