package dev.fanout.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
        "--verbose|unknown option --verbose"
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
