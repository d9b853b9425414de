package dev.fanout.operator;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.health.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;

/** Starts the operator from environment variables; see {@link OperatorConfig}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    OperatorConfig config;
    try {
      config = OperatorConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("fanout-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    // Another operator leads now: exit, to be restarted as a standby; two leaders would both
    // send every pending task.
    FanoutOperator operator =
        new FanoutOperator(config, client, () -> Runtime.getRuntime().halt(1));
    HealthServer health =
        new HealthServer(config.httpPort(), operator::problem, operator.registry());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  health.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    try {
      operator.start();
    } catch (RuntimeException e) {
      // Else the process lives on, alive to /healthz and never ready: exit so it is restarted.
      System.err.println("fanout-operator: cannot start: " + e.getMessage());
      System.exit(1);
    }
    stopped.await();
  }
}
