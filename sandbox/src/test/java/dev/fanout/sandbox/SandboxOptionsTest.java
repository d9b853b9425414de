package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SandboxOptionsTest {
  @Test
  void defaults() {
    SandboxOptions o = SandboxOptions.parse(List.of("run"), Map.of());

    assertThat(o.manifests()).isEmpty();
    assertThat(o.workers()).isEqualTo(2);
    assertThat(o.concurrency()).isEqualTo(4);
    assertThat(o.timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(o.jvm()).isEqualTo(JvmMode.C1);
    assertThat(o.controlPlane()).isEqualTo(LocalKube.ControlPlane.AUTO);
    assertThat(o.keepRunning()).isFalse();
    assertThat(o.plain()).isFalse();
    assertThat(o.dir()).isNull();
    assertThat(o.dbUrl()).isNull();
    assertThat(o.plugins()).isEmpty();
    assertThat(o.env()).isEmpty();
  }

  @Test
  void pluginsAndVariablesAreRepeatableAndALaterValueWins(@TempDir Path dir) throws Exception {
    Path a = jar(dir.resolve("a.jar"));
    Path b = jar(dir.resolve("b.jar"));

    SandboxOptions o =
        SandboxOptions.parse(
            List.of(
                "--plugin",
                a.toString(),
                "--env",
                "FANOUT_LOG_LEVEL=debug",
                "--plugin=" + b,
                "--env=FANOUT_QUEUE_PREFIX=a=b",
                "--env",
                "FANOUT_LOG_LEVEL=warn",
                "--env",
                "EMPTY="),
            Map.of());

    assertThat(o.plugins()).containsExactly(a.toAbsolutePath(), b.toAbsolutePath());
    assertThat(o.env())
        .containsExactly(
            Map.entry("FANOUT_LOG_LEVEL", "warn"),
            Map.entry("FANOUT_QUEUE_PREFIX", "a=b"),
            Map.entry("EMPTY", ""));
  }

  @Test
  void aPluginMustBeAJar(@TempDir Path dir) throws Exception {
    Path text = Files.writeString(dir.resolve("handler.txt"), "not a jar");

    assertThatThrownBy(() -> SandboxOptions.parse(List.of("--plugin", text.toString()), Map.of()))
        .isInstanceOf(SandboxOptions.UsageException.class)
        .hasMessageStartingWith("--plugin " + text + ": not a jar file");
    assertThatThrownBy(() -> SandboxOptions.parse(List.of("--plugin", dir.toString()), Map.of()))
        .hasMessage("--plugin " + dir + ": is not a file (give a jar)");
  }

  @Test
  void databaseVariablesGivenWithEnvCountAsTheEnvironmentAndWin() {
    SandboxOptions o =
        SandboxOptions.parse(
            List.of("--env", "FANOUT_DB_URL=jdbc:postgresql://b/f", "--env", "FANOUT_DB_USER=v"),
            Map.of("FANOUT_DB_URL", "jdbc:postgresql://a/f", "FANOUT_DB_PASSWORD", "p"));

    assertThat(o.dbUrl()).isEqualTo("jdbc:postgresql://b/f");
    assertThat(o.dbUser()).isEqualTo("v");
    assertThat(o.dbPassword()).isEqualTo("p");
    assertThat(o.env()).as("the operator gets them as the database settings").isEmpty();
  }

  @Test
  void autoscaleIsOffByDefaultAndTakesAMaximumADelayAndATraceFile() {
    SandboxOptions off = SandboxOptions.parse(List.of(), Map.of());
    SandboxOptions on =
        SandboxOptions.parse(
            List.of(
                "--autoscale",
                "--autoscale-max",
                "8",
                "--autoscale-delay=30s",
                "--autoscale-trace",
                "t.csv"),
            Map.of());
    SandboxOptions defaults = SandboxOptions.parse(List.of("--autoscale"), Map.of());

    assertThat(off.autoscale()).isFalse();
    assertThat(on.autoscale()).isTrue();
    assertThat(on.autoscaleMax()).isEqualTo(8);
    assertThat(on.autoscaleDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(on.autoscaleTrace()).isEqualTo(Path.of("t.csv").toAbsolutePath());
    assertThat(defaults.autoscaleMax()).isEqualTo(4);
    assertThat(defaults.autoscaleDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.autoscaleTrace()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--autoscale-max 4|--autoscale-max, --autoscale-delay and --autoscale-trace need"
            + " --autoscale",
        "--autoscale --autoscale-max 0|--autoscale-max must be a whole number from 1 to 64,"
            + " was \"0\"",
        "--autoscale --autoscale-delay 1500ms|--autoscale-delay must be whole seconds (the"
            + " Deployment's annotation counts seconds), was \"1500ms\""
      })
  void badAutoscaleOptionsSayWhatIsWrong(String args, String message) {
    assertThatThrownBy(() -> SandboxOptions.parse(List.of(args.split(" ")), Map.of()))
        .isInstanceOf(SandboxOptions.UsageException.class)
        .hasMessage(message);
  }

  @Test
  void secretsAreNotShown() {
    assertThat(SandboxOptions.shown(Map.of("FANOUT_LOG_FORMAT", "json")))
        .isEqualTo("FANOUT_LOG_FORMAT=json");
    assertThat(SandboxOptions.shown(Map.of("AWS_SECRET_ACCESS_KEY", "abc")))
        .isEqualTo("AWS_SECRET_ACCESS_KEY=***");
  }

  @Test
  void theHelpAndTheDocsNameEveryOptionTheParserKnows() throws Exception {
    Set<String> known = new TreeSet<>(SandboxOptions.FLAGS);
    known.addAll(SandboxOptions.WITH_VALUE);
    String docs = Files.readString(Path.of("..", "docs", "sandbox.md"));
    String optionsTable =
        docs.substring(docs.indexOf("## Options"), docs.indexOf("### The database"));

    assertThat(options(SandboxOptions.USAGE)).isEqualTo(known);
    assertThat(options(optionsTable)).isEqualTo(known);
    for (String option : known) {
      assertThat(SandboxOptions.USAGE).containsPattern("(?m)^  +(-h, )?" + option + "[ ,=\\n]");
    }
  }

  @Test
  void theHelpFitsAnEightyColumnTerminal() {
    assertThat(SandboxOptions.USAGE.lines()).allSatisfy(l -> assertThat(l.length()).isLessThan(80));
  }

  private static Set<String> options(String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![\\w-])(-h|--[a-z][a-z-]*)").matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static Path jar(Path file) throws Exception {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file))) {
      out.putNextEntry(new JarEntry("META-INF/services/dev.fanout.worker.spi.TaskHandler"));
      out.write("x.Handler\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return file;
  }

  @Test
  void theControlPlaneIsChosenByName() {
    assertThat(SandboxOptions.parse(List.of("--control-plane", "Real"), Map.of()).controlPlane())
        .isEqualTo(LocalKube.ControlPlane.REAL);
    assertThat(SandboxOptions.parse(List.of("--control-plane=mock"), Map.of()).controlPlane())
        .isEqualTo(LocalKube.ControlPlane.MOCK);
    assertThatThrownBy(() -> SandboxOptions.parse(List.of("--control-plane", "kind"), Map.of()))
        .isInstanceOf(SandboxOptions.UsageException.class)
        .hasMessage("--control-plane must be auto, real or mock, was \"kind\"");
  }

  @Test
  void optionsAndManifestsInAnyOrder() {
    SandboxOptions o =
        SandboxOptions.parse(
            List.of(
                "a.yaml",
                "--workers",
                "3",
                "--timeout=90s",
                "--keep-running",
                "--jvm",
                "cds",
                "--dir",
                "/tmp/x",
                "--",
                "--odd-name.yaml"),
            Map.of("FANOUT_DB_URL", " jdbc:postgresql://db/f ", "FANOUT_DB_USER", "u"));

    assertThat(o.manifests()).containsExactly("a.yaml", "--odd-name.yaml");
    assertThat(o.workers()).isEqualTo(3);
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(o.keepRunning()).isTrue();
    assertThat(o.jvm()).isEqualTo(JvmMode.CDS);
    assertThat(o.dir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(o.dbUrl()).isEqualTo("jdbc:postgresql://db/f");
    assertThat(o.dbUser()).isEqualTo("u");
    assertThat(o.dbPassword()).isNull();
  }

  @ParameterizedTest
  @CsvSource({"90,PT1M30S", "45s,PT45S", "10m,PT10M", "1h,PT1H", "1500ms,PT1.5S"})
  void durations(String text, Duration expected) {
    assertThat(SandboxOptions.duration("--timeout", text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--workers 0|--workers must be a whole number from 1 to 64, was \"0\"",
        "--workers|--workers needs a value",
        "--timeout soon|--timeout must be a positive duration such as 90s, 10m or 1h",
        "--timeout 0s|--timeout must be a positive duration",
        "--jvm fast|--jvm must be c1, cds or default, was \"fast\"",
        "--verbose|unknown option --verbose",
        "--plugin nope.jar|--plugin nope.jar: no such file",
        "--env FANOUT_LOG_LEVEL|--env must be KEY=VALUE, was \"FANOUT_LOG_LEVEL\" (no =)",
        "--env =debug|--env must be KEY=VALUE with KEY a variable name",
        "--env 9LIVES=1|--env must be KEY=VALUE with KEY a variable name",
        "--env FANOUT_POOL=gpu|--env FANOUT_POOL: the sandbox sets it itself (each pool the Jobs",
        "--env FANOUT_WORKER_CONCURRENCY=1|--env FANOUT_WORKER_CONCURRENCY: the sandbox sets it"
            + " itself (use --concurrency N)",
        "--env|--env needs a value"
      })
  void badCommandLines(String args, String message) {
    assertThatThrownBy(() -> SandboxOptions.parse(List.of(args.split(" ")), Map.of()))
        .isInstanceOf(SandboxOptions.UsageException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void aDatabaseUrlOfAnotherKindIsRefused() {
    assertThatThrownBy(
            () -> SandboxOptions.parse(List.of(), Map.of("FANOUT_DB_URL", "jdbc:mysql://x")))
        .hasMessageContaining("FANOUT_DB_URL must start with jdbc:h2: or jdbc:postgresql:");
  }
}
