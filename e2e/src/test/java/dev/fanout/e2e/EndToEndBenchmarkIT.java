package dev.fanout.e2e;

import static org.awaitility.Awaitility.await;

import dev.fanout.api.JobPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * End-to-end throughput of noop tasks through the real operator and 1, 2 and 4 workers (in one JVM,
 * 4 tasks each at once), and what it costs in status writes: {@code ./mvnw -pl e2e -am verify
 * -Dit.test=EndToEndBenchmarkIT -Dfanout.bench=true -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints figures; asserts nothing about speed.
 */
@EnabledIfSystemProperty(named = "fanout.bench", matches = "true")
class EndToEndBenchmarkIT {
  static final int TASKS = Integer.getInteger("fanout.bench.tasks", 5_000);

  @Test
  void noopTasksPerSecondWithOneTwoAndFourWorkers() {
    StringBuilder table =
        new StringBuilder(
            "%n| workers | tasks | create to Succeeded | tasks/s | status writes per 1,000 tasks"
                + " | 409s per 1,000 writes |%n|---|---|---|---|---|---|%n");
    run(1, TASKS / 5, null); // warm-up: JIT, queues, informers
    for (int workers : new int[] {1, 2, 4}) {
      run(workers, TASKS, table);
    }
    System.out.printf(table.toString());
  }

  private static void run(int workers, int tasks, StringBuilder table) {
    try (LocalFanout fanout = new LocalFanout(workers, 4)) {
      long start = System.nanoTime();
      fanout.create(LocalFanout.job("bench", "noop", tasks));
      await()
          .atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> fanout.phase("bench") == JobPhase.Succeeded);
      double seconds = (System.nanoTime() - start) / 1e9;
      double writes = fanout.statusWrites();
      if (table != null) {
        table.append(
            String.format(
                "| %d | %,d | %.1f s | %,.0f | %.1f | %.0f |%n",
                workers,
                tasks,
                seconds,
                tasks / seconds,
                1000 * writes / tasks,
                writes == 0 ? 0 : 1000 * fanout.statusConflicts() / writes));
      }
    }
  }
}
