package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.IndexSet;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.common.testing.MockKube;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import dev.fanout.sandbox.JvmMode;
import dev.fanout.sandbox.RepoLayout;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's default install, killed: the operator serves the embedded queue (its messages live in
 * its memory) and keeps the task rows in an H2 file, the workers point at its queue port, as the
 * chart runs them. The operator is killed with SIGKILL in the middle of a Job and its container
 * restarted (same pod name, same volume): the queue comes back empty, and every task the status
 * does not hold must reach it again (invariant 9). Before that, the Job stayed Running for ever.
 */
class DefaultInstallRestartFaultIT {
  private static final Path REPO = Path.of(System.getProperty("fanout.repo", "..")).normalize();
  private static final Path RUNS =
      Path.of(System.getProperty("fanout.faults.runs", "target/fault-runs"));
  private static final Duration READY = Duration.ofSeconds(180);
  private static final int TOTAL = 2_000;
  private static final int KILL_AT = 600;

  @Test
  void anOperatorKilledMidJobWithItsEmbeddedQueueComesBackAndTheJobFinishesCountingEachTaskOnce()
      throws Exception {
    Path dir = RUNS.toAbsolutePath().resolve("default-install");
    FaultBed.deleteTree(dir);
    Files.createDirectories(dir);
    try (MockKube kube = new MockKube()) {
      FanoutProcesses processes =
          new FanoutProcesses(
              new RepoLayout(REPO),
              dir,
              System.getenv(),
              kube.writeKubeconfig(dir.resolve("kubeconfig")),
              JvmMode.DEFAULT);
      try {
        int[] ports = FanoutProcesses.freePorts(4);
        Map<String, String> operatorEnv = new HashMap<>();
        operatorEnv.put("FANOUT_DB_URL", "jdbc:h2:file:" + dir.resolve("data/fanout"));
        operatorEnv.put("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(ports[0]));
        // The pod's name, the same for its restarted container: it takes its Lease straight back.
        operatorEnv.put("FANOUT_OPERATOR_ID", "fanout-operator-0");
        ChildProcess operator = processes.startOperator(operatorEnv, ports[1]);
        ready(operator);
        List<ChildProcess> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          Map<String, String> workerEnv = new HashMap<>();
          workerEnv.put("AWS_ENDPOINT_URL_SQS", "http://localhost:" + ports[0]);
          workerEnv.put("FANOUT_WORKER_CONCURRENCY", "4");
          workers.add(
              processes.startWorker("worker-" + (i + 1), workerEnv, List.of(), ports[2 + i]));
        }
        for (ChildProcess worker : workers) {
          ready(worker);
        }

        // A fresh install's first Job: the operator made the pool's queue as it started, and the
        // workers were ready without it, so the Job starts at once (it waited 14 s before).
        long firstCreated = System.nanoTime();
        create(kube, "first", "noop", 1, "{}");
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> finished(kube, "first"));
        double firstSeconds = seconds(firstCreated);
        report("the first Job's one task done %.2f s after the Job was created", firstSeconds);
        assertThat(get(kube, "first").getStatus().getPhase()).isEqualTo(JobPhase.Succeeded);
        assertThat(firstSeconds).as("seconds to the first Job's end").isLessThan(10);

        long created = System.nanoTime();
        create(kube, "restarted", "sleep", TOTAL, "{\"ms\": 20}");
        await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> done(kube) >= KILL_AT);
        operator.kill();
        int atKill = done(kube);
        report("killed the operator with %d of %d tasks done", atKill, TOTAL);

        long restart = System.nanoTime();
        ChildProcess restarted = processes.startOperator(operatorEnv, ports[1]);
        ready(restarted);
        report("the operator is ready again %.1f s after the kill", seconds(restart));
        await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .failFast("a worker died", () -> workers.stream().anyMatch(w -> !w.isAlive()))
            .until(() -> finished(kube));
        Job job = get(kube);
        report(
            "Job %s, %d succeeded of %d, %.1f s after its creation, %.1f s after the restart;"
                + " the restarted operator sent %.0f tasks",
            job.getStatus().getPhase(),
            job.getStatus().getSucceeded(),
            TOTAL,
            seconds(created),
            seconds(restart),
            Http.metric(restarted.httpPort(), "fanout_tasks_sent_total"));
        assertThat(job.getStatus().getPhase()).isEqualTo(JobPhase.Succeeded);
        assertThat(job.getStatus().getSucceeded()).isEqualTo(TOTAL);
        assertThat(job.getStatus().getFailed()).isZero();
        assertThat(job.getStatus().getCompletedIndexes())
            .isEqualTo(IndexSet.range(0, TOTAL - 1).toString());
      } finally {
        processes.stopAll(Duration.ofSeconds(20), Duration.ofSeconds(20));
      }
    }
  }

  private static void ready(ChildProcess child) throws InterruptedException {
    child.awaitReady(READY, "after " + READY.toSeconds() + " s", () -> false);
  }

  private static Job get(MockKube kube) {
    return get(kube, "restarted");
  }

  private static Job get(MockKube kube, String name) {
    return kube.client().resources(Job.class).inNamespace("default").withName(name).get();
  }

  private static void create(MockKube kube, String name, String handler, int count, String params) {
    kube.client()
        .resources(Job.class)
        .inNamespace("default")
        .resource(
            Serialization.unmarshal(
                """
                {"apiVersion": "fanout.dev/v1alpha1", "kind": "Job",
                 "metadata": {"name": "%s"},
                 "spec": {"handler": "%s", "tasks": {"count": %d}, "parameters": %s}}
                """
                    .formatted(name, handler, count, params),
                Job.class))
        .create();
  }

  private static int done(MockKube kube) {
    Job job = get(kube);
    if (job == null || job.getStatus() == null) {
      return 0;
    }
    Integer succeeded = job.getStatus().getSucceeded();
    Integer failed = job.getStatus().getFailed();
    return (succeeded == null ? 0 : succeeded) + (failed == null ? 0 : failed);
  }

  private static boolean finished(MockKube kube) {
    return finished(kube, "restarted");
  }

  private static boolean finished(MockKube kube, String name) {
    Job job = get(kube, name);
    return job != null
        && job.getStatus() != null
        && job.getStatus().getPhase() != null
        && job.getStatus().getPhase().isFinished();
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private static void report(String format, Object... args) {
    System.out.printf("[faults] default install: %s%n", String.format(format, args));
  }
}
