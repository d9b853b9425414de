package dev.fanout.faults;

import static org.awaitility.Awaitility.await;

import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.testing.CuttableLink;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SQS the programs use: ElasticMQ as a process of its own ({@link SqsServerMain}), reached
 * through a {@link CuttableLink}, and a client of the test's own that goes around the link.
 */
final class QueueServer implements AutoCloseable {
  private final ChildProcess process;
  private final CuttableLink link;
  private final SqsClient admin;
  private final QueueNames names = new QueueNames(QueueNames.DEFAULT_PREFIX);

  private QueueServer(ChildProcess process, CuttableLink link, SqsClient admin) {
    this.process = process;
    this.link = link;
    this.admin = admin;
  }

  /** Starts the server without waiting for it; {@link #process()} answers /readyz once it runs. */
  static QueueServer start(Path log) throws IOException {
    int[] ports = FanoutProcesses.freePorts(3);
    int serverPort = ports[0];
    int linkPort = ports[1];
    ChildProcess process =
        ChildProcess.start(
            "sqs",
            List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SqsServerMain.class.getName(),
                String.valueOf(serverPort),
                String.valueOf(linkPort),
                String.valueOf(ports[2])),
            false,
            System.getenv(),
            ports[2],
            log);
    URI direct = URI.create("http://localhost:" + serverPort);
    return new QueueServer(
        process,
        new CuttableLink(linkPort, serverPort),
        SqsClients.create(
            new SqsSettings(direct, null, new QueueNames(QueueNames.DEFAULT_PREFIX)), 4));
  }

  ChildProcess process() {
    return process;
  }

  /** Where the operator and workers reach SQS: through the link a test may cut. */
  URI endpoint() {
    return URI.create("http://localhost:" + link.port());
  }

  /**
   * Makes SQS unreachable for the operator and the workers alike: connections are refused, open
   * ones reset. The server keeps its queues and messages, as SQS does through an outage.
   */
  void cut() throws IOException {
    link.cut();
  }

  void restore() throws IOException {
    link.restore();
  }

  /** Sets the pool queue's visibility timeout, once the operator has created the queue. */
  void setVisibilityTimeout(String pool, int seconds) {
    String url =
        await("the operator to create queue " + names.tasks(pool))
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () -> admin.getQueueUrl(b -> b.queueName(names.tasks(pool))).queueUrl(), u -> true);
    admin.setQueueAttributes(
        b ->
            b.queueUrl(url)
                .attributes(
                    Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(seconds))));
  }

  @Override
  public void close() throws IOException {
    link.close();
    admin.close();
    process.awaitStopped(process.terminate(), System.nanoTime() + Duration.ofSeconds(20).toNanos());
  }
}
