package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProgressViewTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void eachFrameMovesUpAsManyRowsAsTheLastOneDrewWithAutoWrapOff() {
    List<JobTracker> jobs = jobs(2);
    AtomicReference<TerminalSize.Size> size = new AtomicReference<>(new TerminalSize.Size(60, 24));
    ProgressView view = ProgressView.create(out, jobs, 0, size::get);

    view.update(jobs, 0);
    String first = drained();
    view.update(jobs, 0);
    String second = drained();

    assertThat(first).startsWith("\033[?7l\033[2K").endsWith("\033[J\033[?7h").doesNotContain("F");
    assertThat(second).startsWith("\033[?7l\033[2F\033[2K");
    for (String row : visibleRows(second)) {
      assertThat(row.length()).as(row).isLessThan(60);
    }
  }

  @Test
  void moreJobsThanRowsShowsTheFirstOnesAndALineForTheRest() {
    List<JobTracker> jobs = jobs(30);
    AtomicReference<TerminalSize.Size> size = new AtomicReference<>(new TerminalSize.Size(80, 10));
    ProgressView view = ProgressView.create(out, jobs, 0, size::get);

    view.update(jobs, 0);
    List<String> rows = visibleRows(drained());

    assertThat(rows).hasSize(9);
    assertThat(rows.get(0)).startsWith("default/job-1 ");
    assertThat(rows.get(7)).startsWith("default/job-8 ");
    assertThat(rows.get(8)).isEqualTo("... and 22 more Jobs, 0 of them finished");

    size.set(new TerminalSize.Size(80, 24));
    view.update(jobs, 0);
    String taller = drained();
    assertThat(taller).as("up the 9 rows drawn before").contains("\033[9F");
    assertThat(visibleRows(taller)).hasSize(23);
  }

  @Test
  void theWorkerCountOfAutoscaleIsALineUnderTheJobsThatFitsTheTerminal() {
    List<JobTracker> jobs = jobs(30);
    AtomicReference<TerminalSize.Size> size = new AtomicReference<>(new TerminalSize.Size(8, 10));
    ProgressView view = ProgressView.create(out, jobs, 0, size::get);
    view.footer("workers 3/4");

    view.update(jobs, 0);
    List<String> narrow = visibleRows(drained());
    size.set(new TerminalSize.Size(80, 10));
    view.update(jobs, 0);
    List<String> rows = visibleRows(drained());

    assertThat(narrow.get(narrow.size() - 1)).isEqualTo("worker~");
    assertThat(rows).hasSize(9);
    assertThat(rows.get(7)).isEqualTo("... and 23 more Jobs, 0 of them finished");
    assertThat(rows.get(8)).isEqualTo("workers 3/4");
  }

  @Test
  void theLineLogPrintsTheWorkerCountWhenItChanges() {
    List<JobTracker> jobs = jobs(1);
    ProgressView view = ProgressView.create(out, jobs, 0, null);

    view.footer("workers 0/0");
    view.update(jobs, 1_000_000_000L);
    view.update(jobs, 2_000_000_000L);
    view.footer("workers 2/4");
    view.update(jobs, 3_000_000_000L);

    assertThat(drained().lines().filter(l -> l.contains("workers")))
        .containsExactly("    1.0s  workers 0/0", "    3.0s  workers 2/4");
  }

  @Test
  void theSizeIsWhatSttySaysWhenItKnowsIt() {
    assertThat(TerminalSize.parse("24 80\n")).isEqualTo(new TerminalSize.Size(80, 24));
    assertThat(TerminalSize.parse("0 0")).isNull();
    assertThat(TerminalSize.parse("")).isNull();
  }

  private String drained() {
    String text = bytes.toString(StandardCharsets.UTF_8);
    bytes.reset();
    return text;
  }

  /** The text of each row a frame writes, without the escape sequences. */
  private static List<String> visibleRows(String frame) {
    List<String> rows = new ArrayList<>();
    for (String row : frame.replaceAll("\033\\[[?0-9]*[a-zA-Z]", "").split("\n")) {
      if (!row.isEmpty()) {
        rows.add(row);
      }
    }
    return rows;
  }

  private static List<JobTracker> jobs(int count) {
    List<JobTracker> jobs = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      Job job =
          Serialization.unmarshal(
              """
              apiVersion: fanout.dev/v1alpha1
              kind: Job
              metadata: {name: job-%d, namespace: default, uid: u%d}
              spec: {handler: noop, tasks: {count: 100}}
              """
                  .formatted(i, i),
              Job.class);
      jobs.add(new JobTracker(Path.of("job.yaml"), "default", job, 0));
    }
    return jobs;
  }
}
