package dev.fanout.worker;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;

/**
 * Starts a worker from the environment (see {@link WorkerConfig#SETTINGS}); SIGTERM shuts it down
 * gracefully and the process exits 0. A bad setting exits 2 with one line naming it.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    WorkerConfig config;
    try {
      config = WorkerConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("fanout-worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient kube = new KubernetesClientBuilder().build();
    Worker worker;
    try {
      worker = Worker.start(config, kube);
    } catch (IOException e) {
      System.err.println(
          "fanout-worker: cannot serve HTTP on port " + config.httpPort() + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.shutdown();
                  System.out.flush();
                  System.err.flush();
                  // A JVM ending on a signal exits 143; a clean shutdown is success.
                  Runtime.getRuntime().halt(0);
                },
                "shutdown"));
  }
}
