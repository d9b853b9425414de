package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Two Jobs of one pool: a small one created a few seconds after a large one without parallelism
 * starts within seconds, rather than behind every task of the large one.
 */
class FairnessIT {

  static Job sleeps(String name, int count, int ms) {
    Job job = LocalFanout.job(name, "sleep", count);
    job.getSpec().setParameters(JsonNodeFactory.instance.objectNode().put("ms", ms));
    return job;
  }

  @Test
  void aSmallJobCreatedAfterALargeOneFinishesWhileTheLargeOneStillRuns() throws Exception {
    // 2 workers x 4 at once, 50 ms a task: 160 tasks/s, so the large Job takes about 25 s.
    try (LocalFanout fanout = new LocalFanout(2, 4)) {
      fanout.create(sleeps("large", 4000, 50));
      await().atMost(Duration.ofSeconds(60)).until(() -> fanout.phase("large") == JobPhase.Running);
      Thread.sleep(5_000);

      Instant created = Instant.now();
      fanout.create(sleeps("small", 100, 50));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> fanout.phase("small") == JobPhase.Succeeded);
      Duration took = Duration.between(created, Instant.now());
      int largeDone = done(fanout.get("large"));
      System.out.printf(
          "FairnessIT: the small Job finished %.1f s after its creation; the large one had %d of"
              + " 4000 tasks done%n",
          took.toMillis() / 1000.0, largeDone);

      assertThat(fanout.phase("large")).as("the large Job still runs").isEqualTo(JobPhase.Running);
      assertThat(took).isLessThan(Duration.ofSeconds(30));
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> fanout.phase("large") == JobPhase.Succeeded);
      assertThat(fanout.get("large").getStatus().getCompletedIndexes()).isEqualTo("0-3999");
    }
  }

  static int done(Job job) {
    return job.getStatus() == null
        ? 0
        : job.getStatus().completed().count() + job.getStatus().failedSet().count();
  }
}
