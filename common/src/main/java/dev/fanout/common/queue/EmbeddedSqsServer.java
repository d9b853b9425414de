package dev.fanout.common.queue;

import java.net.URI;
import java.time.Duration;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import scala.concurrent.Await;

/**
 * An SQS-protocol server (ElasticMQ) in this JVM: the operator's zero-dependency default, and the
 * queue the tests run against. Queues live in memory.
 *
 * <p>ElasticMQ is an optional dependency of this module: a program that starts this server declares
 * it itself (the operator does; the worker does not ship it).
 */
public final class EmbeddedSqsServer implements AutoCloseable {
  private final SQSRestServer server;
  private final URI endpoint;

  private EmbeddedSqsServer(SQSRestServer server, String host, int port) {
    this.server = server;
    this.endpoint = URI.create("http://" + host + ":" + port);
  }

  /**
   * Starts on {@code bindInterface:port}; port 0 picks a free one.
   *
   * @param bindInterface {@code 0.0.0.0} to serve workers in other pods, {@code 127.0.0.1} for this
   *     machine only
   */
  public static EmbeddedSqsServer start(String bindInterface, int port) {
    var builder = SQSRestServerBuilder.withInterface(bindInterface);
    builder = port == 0 ? builder.withDynamicPort() : builder.withPort(port);
    SQSRestServer server = builder.start();
    int actualPort = server.waitUntilStarted().localAddress().getPort();
    String host = bindInterface.equals("0.0.0.0") ? "localhost" : bindInterface;
    return new EmbeddedSqsServer(server, host, actualPort);
  }

  public URI endpoint() {
    return endpoint;
  }

  public int port() {
    return endpoint.getPort();
  }

  @Override
  public void close() {
    try {
      Await.result(
          server.stopAndGetFuture().apply(),
          scala.concurrent.duration.Duration.fromNanos(Duration.ofSeconds(10).toNanos()));
    } catch (Exception e) {
      throw new IllegalStateException("embedded SQS did not stop", e);
    }
  }
}
