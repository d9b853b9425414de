package dev.fanout.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskSource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class FairWindowTest {
  Instant now = Instant.parse("2026-12-03T10:00:00Z");

  final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  final FairWindow window = new FairWindow(clock, 5_000);

  static Job job(String uid, String pool, int done) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName(uid).withUid(uid).build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    spec.setTasks(TaskSource.ofCount(100_000));
    spec.setPool(pool);
    job.setSpec(spec);
    JobStatus status = new JobStatus();
    status.setCompletedIndexes(done == 0 ? null : "0-" + (done - 1));
    job.setStatus(status);
    return job;
  }

  @Test
  void beforeAPoolHasAPaceAJobMayQueueTheFirstWindow() {
    assertThat(window.of("default")).isEqualTo(FairWindow.FIRST_WINDOW);
    window.observe(job("a", "default", 0));
    assertThat(window.of("default")).isEqualTo(FairWindow.FIRST_WINDOW);
  }

  @Test
  void theWindowIsFiveSecondsOfThePoolsPaceFromEveryJobOfIt() {
    window.observe(job("a", "default", 0));
    window.observe(job("b", "default", 0));
    window.observe(job("c", "other", 0));
    for (int s = 1; s <= 10; s++) {
      now = now.plusSeconds(1);
      // a finishes 300 tasks a second, b 100: the pool's pace is 400 a second.
      window.observe(job("a", "default", 300 * s));
      window.observe(job("b", "default", 100 * s));
    }
    assertThat(window.of("default")).isEqualTo(2_000);
    assertThat(window.of("other")).as("a pool of its own").isEqualTo(FairWindow.FIRST_WINDOW);
  }

  @Test
  void theWindowFollowsThePaceDownButNotBelowTheMinimum() {
    window.observe(job("a", "default", 0));
    now = now.plusSeconds(1);
    window.observe(job("a", "default", 5_000));
    assertThat(window.of("default")).isEqualTo(25_000);
    // Ten seconds on, nothing more finished: what finished before has left the pace.
    now = now.plusSeconds(11);
    window.observe(job("a", "default", 5_001));
    assertThat(window.of("default")).isEqualTo(FairWindow.MIN_WINDOW);
  }

  @Test
  void aJobForgottenAndSeenAgainDoesNotCountItsTasksTwice() {
    window.observe(job("a", "default", 0));
    now = now.plusSeconds(1);
    window.observe(job("a", "default", 100));
    window.forget("a");
    now = now.plusSeconds(1);
    window.observe(job("a", "default", 100_000));
    assertThat(window.of("default"))
        .as("100 tasks in the 1 s it was seen at work, times 5 s")
        .isEqualTo(500);
  }

  @Test
  void aPauseBetweenJobsDoesNotSlowThePoolsPace() {
    window.observe(job("first", "default", 0));
    now = now.plusSeconds(2);
    window.observe(job("first", "default", 4_000));
    // Four seconds with nothing to do, then the next Job: 2,000 tasks a second in each.
    now = now.plusSeconds(4);
    window.observe(job("next", "default", 0));
    now = now.plusSeconds(1);
    window.observe(job("next", "default", 2_000));
    assertThat(window.of("default")).as("6,000 tasks in 3 s of work, times 5 s").isEqualTo(10_000);
  }

  @Test
  void aBurstOnAPoolIdleUntilThenHasItsPaceFromItsFirstStatusWrite() {
    // Earlier work, long done: the pool is idle again.
    window.observe(job("old", "default", 0));
    now = now.plusSeconds(1);
    window.observe(job("old", "default", 10));
    now = now.plusSeconds(60);
    assertThat(window.of("default")).isEqualTo(FairWindow.FIRST_WINDOW);

    window.observe(job("burst", "default", 0));
    now = now.plusMillis(300);
    window.observe(job("burst", "default", 500));
    assertThat(window.of("default")).as("500 tasks in under a second, times 5 s").isEqualTo(2_500);
    now = now.plusMillis(700);
    window.observe(job("burst", "default", 2_500));
    assertThat(window.of("default")).isEqualTo(12_500);
  }
}
