package dev.fanout.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.sandbox.TaskRowReader;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * What a user sees of the fault tests' Jobs: their status in the API server, their task rows in the
 * database, and what the test handler recorded of the tasks it ran.
 */
final class Jobs {
  private final FaultBed bed;

  Jobs(FaultBed bed) {
    this.bed = bed;
  }

  /**
   * Creates a Job of the test handler {@code append-index}: each task waits {@code ms}, then
   * appends its index to {@link #effects(String)}.
   *
   * @param specLines more {@code spec} fields, one {@code key: value} each
   */
  Job createAppendJob(String name, int total, int ms, String... specLines) {
    StringBuilder more = new StringBuilder();
    for (String line : specLines) {
      more.append("\n  ").append(line);
    }
    return create(
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: %s
        spec:
          handler: append-index
          tasks:
            count: %d
          parameters:
            file: %s
            ms: %d%s
        """
            .formatted(name, total, effects(name), ms, more));
  }

  Job create(String yaml) {
    Job job = Serialization.unmarshal(yaml, Job.class);
    return bed.client().resources(Job.class).inNamespace(FaultBed.NAMESPACE).resource(job).create();
  }

  Job get(String name) {
    return bed.client().resources(Job.class).inNamespace(FaultBed.NAMESPACE).withName(name).get();
  }

  /** Tasks of the Job recorded as finished, succeeded or failed. */
  int done(String name) {
    Job job = get(name);
    if (job == null || job.getStatus() == null) {
      return 0;
    }
    return job.getStatus().completed().count() + job.getStatus().failedSet().count();
  }

  /** Waits until the Job finished; fails at once when a process of the bed dies unasked. */
  Job awaitFinished(String name, Duration limit) {
    return await("Job " + name + " to finish")
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .failFast("a process died", () -> bed.unexpectedlyDead() != null)
        .until(() -> get(name), Jobs::finished);
  }

  static boolean finished(Job job) {
    return job != null && job.getStatus() != null && job.getStatus().isFinished();
  }

  /** What a user checks of a Job whose tasks all succeeded, each counted once. */
  static void assertAllSucceeded(Job job, int total) {
    JobStatus status = job.getStatus();
    assertThat(status.getPhase()).isEqualTo(JobPhase.Succeeded);
    assertThat(status.getSucceeded()).isEqualTo(total);
    assertThat(status.getFailed()).isZero();
    assertThat(status.getCompletedIndexes()).isEqualTo("0-" + (total - 1));
    assertThat(status.getProgress()).isEqualTo(total + "/" + total);
  }

  /** The operator's task rows of the Job: counts by state and more. */
  TaskRowReader.Summary rows(Job job) throws SQLException {
    PrivatePostgres pg = bed.postgres();
    try (TaskRowReader reader = new TaskRowReader(pg.url(), pg.user(), pg.password())) {
      return reader.read(job.getMetadata().getUid());
    }
  }

  /** Waits until the Job's rows are closed and hold as many SUCCEEDED as given. */
  TaskRowReader.Summary awaitRows(Job job, long succeeded, Duration limit) {
    return await("the task rows of " + job.getMetadata().getName() + " to catch up")
        .atMost(limit)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> rows(job),
            s -> s.finished() && s.byState().getOrDefault("SUCCEEDED", 0L) == succeeded);
  }

  /** The handler's side-effect file for this Job. */
  Path effects(String name) {
    return bed.dir().resolve(name + ".effects");
  }

  /** How often each index {@code 0..total-1} ran to the end, by the handler's own record. */
  Runs runs(String name, int total) throws IOException {
    int[] runs = new int[total];
    Path file = effects(name);
    if (Files.exists(file)) {
      try (Stream<String> lines = Files.lines(file)) {
        lines.filter(l -> !l.isBlank()).mapToInt(Integer::parseInt).forEach(i -> runs[i]++);
      }
    }
    return new Runs(runs);
  }

  /** Runs per index, as the handler recorded them. */
  record Runs(int[] perIndex) {
    /** Indexes that never ran to the end. */
    long missing() {
      return Arrays.stream(perIndex).filter(r -> r == 0).count();
    }

    /** Indexes that ran to the end more than once. */
    long repeated() {
      return Arrays.stream(perIndex).filter(r -> r > 1).count();
    }
  }
}
