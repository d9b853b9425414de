package dev.fanout.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing and exit codes, before any cluster is involved. */
class CommandLineTest {
  record Run(int code, String out, String err) {}

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run run(String... args) {
    return run(Map.of(), args);
  }

  @Test
  void helpListsEveryCommandAndExitsZero() {
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("Usage: kubectl fanout")
        .containsPattern("(?m)^  get ")
        .containsPattern("(?m)^  tasks ")
        .containsPattern("(?m)^  failures ")
        .containsPattern("(?m)^  retry ")
        .containsPattern("(?m)^  suspend ")
        .containsPattern("(?m)^  resume ")
        .containsPattern("(?m)^  completion ")
        .doesNotContain("__complete");
  }

  @Test
  void everyCommandHasHelp() {
    Run help = run("tasks", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).startsWith("Usage: kubectl fanout tasks").contains("--state=S");
  }

  @Test
  void anUnknownOptionIsAUsageErrorWithExitCodeTwo() {
    Run bad = run("get", "--bogus");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err())
        .isEqualTo(
            "error: Unknown option: '--bogus'\nSee 'kubectl fanout get --help' for usage.\n");
  }

  @Test
  void aMissingNameIsAUsageError() {
    assertThat(run("retry").code()).isEqualTo(2);
    assertThat(run("retry").err()).contains("Missing required parameter: 'NAME'");
    assertThat(run("nosuch").code()).isEqualTo(2);
  }

  @Test
  void anUnknownOutputFormatOrStateIsAUsageError() {
    Run output = run("get", "-o", "wide");
    assertThat(output.code()).isEqualTo(2);
    assertThat(output.err()).contains("json, yaml");
    Run state = run(Map.of(), "tasks", "x", "--state", "Running", "--console-url", "http://x");
    assertThat(state.code()).isEqualTo(2);
    assertThat(state.err())
        .isEqualTo(
            "error: unknown state \"Running\": one of Pending, Sent, Succeeded, Failed, NotRun\n");
  }

  @Test
  void theStateFilterIgnoresCase() {
    assertThat(TaskApi.state("notrun")).isEqualTo("NotRun");
    assertThat(TaskApi.state("FAILED")).isEqualTo("Failed");
    assertThat(TaskApi.state("Running")).isNull();
  }

  @Test
  void kubeOptionsAreAcceptedBeforeAndAfterTheCommand() {
    Run before = run("--kubeconfig", "/does/not/exist", "-n", "x", "get");
    Run after = run("get", "-n", "x", "--kubeconfig", "/does/not/exist");
    assertThat(before.code()).isEqualTo(1);
    assertThat(before.err()).isEqualTo("error: the kubeconfig /does/not/exist does not exist\n");
    assertThat(after).isEqualTo(before);
  }

  @Test
  void aFailureIsOneLineWithExitCodeOne() {
    Run unreachable =
        run(
            "get",
            "--kubeconfig",
            CommandLineTest.class.getResource("/unreachable.kubeconfig").getPath());
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).startsWith("Unable to connect to the server: ").hasLineCount(1);
  }

  @Test
  void completionScriptsAreGenerated() {
    Run bash = run("completion", "bash");
    assertThat(bash.code()).isZero();
    assertThat(bash.out()).contains("complete -F _complete_kubectl-fanout").contains("retry");
    Run zsh = run("completion", "zsh");
    assertThat(zsh.out()).startsWith("# zsh").contains("bashcompinit");
    assertThat(run("completion", "fish").code()).isEqualTo(2);
  }

  @Test
  void completeAnswersInCobrasProtocol() {
    Run commands = run("__complete", "re");
    assertThat(commands.out()).isEqualTo("resume\nretry\n:4\n");
    Run options = run("__complete", "tasks", "x", "--st");
    assertThat(options.out()).isEqualTo("--state\n:4\n");
    Run states = run("__complete", "tasks", "x", "--state", "");
    assertThat(states.out()).isEqualTo("Failed\nNotRun\nPending\nSent\nSucceeded\n:4\n");
    Run outputs = run("__complete", "get", "-o", "");
    assertThat(outputs.out()).isEqualTo("json\nyaml\n:4\n");
  }

  @Test
  void versionIsPrinted() throws Exception {
    Run version = run("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("kubectl-fanout ");
    new ObjectMapper(); // jackson is on the classpath for the task API
  }
}
