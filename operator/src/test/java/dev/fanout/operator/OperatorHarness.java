package dev.fanout.operator;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.TaskSource;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.Messages;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.queue.TaskMessage;
import dev.fanout.common.testing.MockKube;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The real parts an operator test needs: mock API server, ElasticMQ, a database URL. */
final class OperatorHarness implements AutoCloseable {
  final MockKube kube = new MockKube();
  final EmbeddedSqsServer sqsServer = EmbeddedSqsServer.start("127.0.0.1", 0);
  final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
  final SqsSettings sqsSettings =
      new SqsSettings(sqsServer.endpoint(), null, new QueueNames(prefix));
  final SqsClient sqs = SqsClients.create(sqsSettings, 16);
  final String dbUrl;
  final String dbUser;
  final String dbPassword;

  OperatorHarness(String dbUrl, String dbUser, String dbPassword) {
    this.dbUrl = dbUrl;
    this.dbUser = dbUser;
    this.dbPassword = dbPassword;
  }

  KubernetesClient client() {
    return kube.client();
  }

  OperatorConfig config() {
    return config(0);
  }

  /** The operator's settings with its console on that port (0: off), without auth. */
  OperatorConfig config(int consolePort) {
    return new OperatorConfig(
        List.of(),
        dbUrl,
        dbUser,
        dbPassword,
        sqsSettings,
        false,
        0,
        0,
        100,
        List.of(JobSpec.DEFAULT_POOL),
        null,
        "operator-" + UUID.randomUUID(),
        null,
        consolePort,
        dev.fanout.operator.console.ConsoleAuth.NONE);
  }

  FanoutOperator startOperator() {
    return new FanoutOperator(config(), kube.newClient(), () -> {}).start();
  }

  static Job job(String name, int count) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(count));
    job.setSpec(spec);
    return job;
  }

  Job create(Job job) {
    return client().resource(job).create();
  }

  Job get(String name) {
    return client().resources(Job.class).inNamespace("default").withName(name).get();
  }

  /** Writes worker-owned fields the way a worker does: a merge patch on /status. */
  void recordAsWorker(String name, String completed, String failed) {
    Map<String, Object> status = new java.util.LinkedHashMap<>();
    status.put("completedIndexes", completed);
    status.put("failedIndexes", failed);
    client()
        .resources(Job.class)
        .inNamespace("default")
        .withName(name)
        .subresource("status")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            Messages.encode(Map.of("status", status)));
  }

  String queueUrl(String pool) {
    return sqs.getQueueUrl(b -> b.queueName(prefix + pool)).queueUrl();
  }

  boolean queueExists(String pool) {
    return sqs.listQueues(b -> b.queueNamePrefix(prefix + pool)).queueUrls().stream()
        .anyMatch(u -> u.endsWith("/" + prefix + pool));
  }

  int visibleMessages(String pool) {
    return Integer.parseInt(
        sqs.getQueueAttributes(
                b ->
                    b.queueUrl(queueUrl(pool))
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  /** Receives and deletes every message on the pool's queue. */
  List<TaskMessage> drain(String pool) {
    String url = queueUrl(pool);
    List<TaskMessage> all = new ArrayList<>();
    while (true) {
      List<Message> batch =
          sqs.receiveMessage(
                  b ->
                      b.queueUrl(url)
                          .maxNumberOfMessages(10)
                          .waitTimeSeconds(1)
                          .messageSystemAttributeNames(
                              MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
              .messages();
      if (batch.isEmpty()) {
        return all;
      }
      for (Message m : batch) {
        all.add(Messages.decodeTask(m.body()));
      }
      List<software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry> deletes =
          new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        deletes.add(
            software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry.builder()
                .id("m" + i)
                .receiptHandle(batch.get(i).receiptHandle())
                .build());
      }
      sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(deletes));
    }
  }

  @Override
  public void close() {
    sqs.close();
    sqsServer.close();
    kube.close();
  }
}
