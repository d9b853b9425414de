package dev.fanout.faults;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.fanout.common.health.HealthServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.elasticmq.server.ElasticMQServer;
import org.elasticmq.server.config.ElasticMQServerConfig;

/**
 * ElasticMQ as a process of its own, as SQS is a service of its own for the operator and the
 * workers. Its queue URLs name the port the programs reach it by (a {@link CuttableLink}), which
 * may differ from the one it listens on.
 *
 * <p>Arguments: the port it listens on, the port its queue URLs name, the port of its {@code
 * /readyz}.
 */
public final class SqsServerMain {
  private SqsServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int advertisedPort = Integer.parseInt(args[1]);
    int healthPort = Integer.parseInt(args[2]);
    Map<String, Object> settings =
        Map.of(
            "node-address.host",
            "localhost",
            "node-address.port",
            advertisedPort,
            "rest-sqs.bind-hostname",
            "127.0.0.1",
            "rest-sqs.bind-port",
            port);
    Config config = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load());
    var stop = new ElasticMQServer(new ElasticMQServerConfig(config)).start();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HealthServer health = new HealthServer(healthPort, () -> null, registry);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  health.close();
                  stop.apply();
                }));
  }
}
