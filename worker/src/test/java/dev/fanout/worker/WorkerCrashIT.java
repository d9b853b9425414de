package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import dev.fanout.api.JobStatus;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A worker that dies mid-task leaves its messages to reappear for another (invariant 2). */
class WorkerCrashIT {

  @Test
  void tasksOfAKilledWorkerReappearAfterTheVisibilityTimeoutAndAnotherWorkerFinishesThem() {
    try (TestBed bed = new TestBed()) {
      TestBed.Queues queues = bed.createQueues("crash-", 2);
      Job job =
          bed.createJob(
              "team-e",
              "crashy",
              12,
              spec -> {
                spec.setHandler("count");
                spec.setParameters(JsonNodeFactory.instance.objectNode().put("ms", 3000));
              });
      String uid = job.getMetadata().getUid();
      bed.enqueue(queues, job, 0, 11);
      Worker first = bed.startWorker(queues);

      // Four tasks running, each holding its message hidden through the heartbeat (a 3 s task
      // outlives the 2 s visibility timeout).
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> IntStream.range(0, 12).map(i -> CountingHandler.runs(uid, i)).sum() == 4);
      first.crash();
      int ranOnFirst = CountingHandler.runs(uid);

      bed.startWorker(queues);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> "0-11".equals(bed.status(job).getCompletedIndexes()));
      await().atMost(Duration.ofSeconds(30)).until(() -> bed.depth(queues.tasksUrl()) == 0);

      JobStatus status = bed.status(job);
      assertThat(status.getSucceeded()).isEqualTo(12);
      assertThat(ranOnFirst).isEqualTo(4);
      // The four killed tasks ran again, each counted once.
      assertThat(CountingHandler.runs(uid)).isEqualTo(16);
      assertThat(IntStream.range(0, 12).filter(i -> CountingHandler.runs(uid, i) == 2).count())
          .isEqualTo(4);
    }
  }
}
