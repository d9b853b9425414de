package dev.fanout.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {
  private static final Path ROOT = Path.of("/work/repo");

  @Test
  void withoutOptionsTheIssuesSizesAndNoPeer() {
    Options o = Options.parse(new String[] {"--root", ROOT.toString()});

    assertThat(o.e2eTasks()).isEqualTo(20_000);
    assertThat(o.workerCounts()).containsExactly(1, 2, 4);
    assertThat(o.execTasks()).isEqualTo(2_000);
    assertThat(o.peer()).isNull();
    assertThat(o.peerDir()).isNull();
  }

  @Test
  void peerBullmqRunsTheSharedFolderNextToTheRepository() {
    Options o = Options.parse(new String[] {"--root", ROOT.toString(), "--peer", "bullmq"});

    assertThat(o.peer()).isEqualTo("bullmq");
    assertThat(o.peerDir()).isEqualTo(Path.of("/work/shared/peers/bullmq"));
  }

  @Test
  void peerDirOverridesTheFolder() {
    Options o = Options.parse(new String[] {"--peer", "bullmq", "--peer-dir", "/tmp/my-bullmq"});

    assertThat(o.peerDir()).isEqualTo(Path.of("/tmp/my-bullmq"));
  }

  @Test
  void quickShrinksTheExecJobToo() {
    Options o = Options.parse(new String[] {"--quick"});

    assertThat(o.e2eTasks()).isEqualTo(2_000);
    assertThat(o.execTasks()).isEqualTo(200);
  }

  @Test
  void execTasksIsASize() {
    assertThat(Options.parse(new String[] {"--exec-tasks", "500"}).execTasks()).isEqualTo(500);
    assertThatThrownBy(() -> Options.parse(new String[] {"--exec-tasks", "0"}))
        .hasMessageContaining("--exec-tasks must be a whole number above 0");
    assertThatThrownBy(() -> Options.parse(new String[] {"--exec-tasks", "100001"}))
        .hasMessageContaining("--exec-tasks: a Job has at most 100000 tasks");
  }

  @Test
  void anUnknownPeerIsAUsageError() {
    assertThatThrownBy(() -> Options.parse(new String[] {"--peer", "celery"}))
        .isInstanceOf(Options.UsageException.class)
        .hasMessageContaining("--peer must be one of [bullmq], was \"celery\"");
    assertThatThrownBy(() -> Options.parse(new String[] {"--peer"}))
        .hasMessageContaining("--peer needs a value");
  }

  @Test
  void aPeerDirWithoutAPeerIsAUsageError() {
    assertThatThrownBy(() -> Options.parse(new String[] {"--peer-dir", "/tmp/x"}))
        .hasMessageContaining("--peer-dir needs --peer");
  }

  @Test
  void theUsageNamesTheNewOptions() {
    assertThat(Options.USAGE).contains("--peer bullmq", "--peer-dir DIR", "--exec-tasks N");
  }
}
