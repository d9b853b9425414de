package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.testing.TestHome;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.SdkSystemSetting;

class OperatorConfigTest {
  @TempDir Path home;

  @org.junit.jupiter.api.Test
  void everySettingIsInTheConfigurationDocs() {
    assertThat(
            dev.fanout.common.testing.ConfigurationDocs.undocumented(
                OperatorConfig.SETTINGS, "## Operator"))
        .as("settings missing from docs/configuration.md, section ## Operator")
        .isEmpty();
  }

  @org.junit.jupiter.api.Test
  void theConsoleServesOn8090WithKubernetesAuthUnlessToldOtherwise() {
    OperatorConfig defaults = OperatorConfig.from(env());
    assertThat(defaults.consolePort()).isEqualTo(8090);
    assertThat(defaults.consoleAuth())
        .isEqualTo(dev.fanout.operator.console.ConsoleAuth.KUBERNETES);
    OperatorConfig local =
        OperatorConfig.from(env("FANOUT_CONSOLE_PORT", "0", "FANOUT_CONSOLE_AUTH", "None"));
    assertThat(local.consolePort()).isZero();
    assertThat(local.consoleAuth()).isEqualTo(dev.fanout.operator.console.ConsoleAuth.NONE);
  }

  @org.junit.jupiter.api.Test
  void withNothingSetItServesAnEmbeddedQueueAndAnH2Database() {
    OperatorConfig config = OperatorConfig.from(env());
    assertThat(config.sqsEmbedded()).isTrue();
    assertThat(config.sqs().endpoint().toString()).isEqualTo("http://localhost:9324");
    assertThat(config.dbUrl()).startsWith("jdbc:h2:file:").endsWith("data/fanout");
    assertThat(config.namespaces()).isEmpty();
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.sqs().names().tasks("default")).isEqualTo("fanout-default");
  }

  @org.junit.jupiter.api.Test
  void anEndpointOrARegionTurnsTheEmbeddedQueueOff() {
    assertThat(
            OperatorConfig.from(new Env(Map.of("AWS_ENDPOINT_URL_SQS", "http://ls:4566")))
                .sqsEmbedded())
        .isFalse();
    OperatorConfig aws = OperatorConfig.from(new Env(Map.of("AWS_REGION", "eu-west-1")));
    assertThat(aws.sqsEmbedded()).isFalse();
    assertThat(aws.sqs().endpoint()).isNull();
    assertThat(aws.sqs().region()).isEqualTo("eu-west-1");
  }

  @org.junit.jupiter.api.Test
  void aRegionInTheAwsProfileAloneTurnsTheEmbeddedQueueOff() throws IOException {
    Path config = write(".aws/config", "[profile dev]\nregion = eu-west-1\n");

    OperatorConfig aws = OperatorConfig.from(env("AWS_PROFILE", "dev"));

    assertThat(aws.sqsEmbedded()).isFalse();
    assertThat(aws.sqs().endpoint()).isNull();
    assertThat(aws.sqs().region()).isEqualTo("eu-west-1");
    assertThat(aws.sqs().description())
        .isEqualTo("AWS SQS in eu-west-1 (region from profile 'dev' in " + config + ")");
  }

  @org.junit.jupiter.api.Test
  void withNoAwsSetupAtAllTheEmbeddedQueueIsChosenAndTheLineSaysWhy() {
    OperatorConfig config = OperatorConfig.from(env("FANOUT_SQS_EMBEDDED_PORT", "9400"));

    assertThat(config.sqsEmbedded()).isTrue();
    assertThat(config.sqs().endpoint()).isEqualTo(URI.create("http://localhost:9400"));
    assertThat(config.sqs().description())
        .isEqualTo("embedded ElasticMQ on :9400 (no SQS endpoint or AWS region configured)");
  }

  @org.junit.jupiter.api.Test
  void fanoutSqsEmbeddedTrueWinsOverTheProfileButNotOverAnEndpointVariable() throws IOException {
    write(".aws/config", "[default]\nregion = eu-west-1\nendpoint_url = http://ls:4566\n");

    OperatorConfig config = OperatorConfig.from(env("FANOUT_SQS_EMBEDDED", "true"));

    assertThat(config.sqsEmbedded()).isTrue();
    assertThat(config.sqs().description())
        .isEqualTo("embedded ElasticMQ on :9324 (FANOUT_SQS_EMBEDDED=true)");
    assertThatThrownBy(
            () ->
                OperatorConfig.from(
                    env("FANOUT_SQS_EMBEDDED", "true", "AWS_ENDPOINT_URL", "http://ls:4566")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("FANOUT_SQS_EMBEDDED: is true but AWS_ENDPOINT_URL is set too; choose one");
  }

  @org.junit.jupiter.api.Test
  void fanoutSqsEmbeddedFalseWithNoQueueConfiguredIsAnError() {
    String disabled = SdkSystemSetting.AWS_EC2_METADATA_DISABLED.property();
    // Not on EC2: the metadata service has no region to give.
    System.setProperty(disabled, "true");
    try {
      assertThatThrownBy(() -> OperatorConfig.from(env("FANOUT_SQS_EMBEDDED", "false")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "FANOUT_SQS_EMBEDDED: is false but no SQS endpoint or AWS region is configured:"
                  + " set AWS_ENDPOINT_URL_SQS, AWS_REGION, or a region in the AWS profile");
    } finally {
      System.clearProperty(disabled);
    }
  }

  @org.junit.jupiter.api.Test
  void thePasswordNeverShowsInTheStartLine() {
    OperatorConfig config =
        OperatorConfig.from(
            new Env(
                Map.of(
                    "FANOUT_DB_URL", "jdbc:postgresql://db/fanout?password=hunter2",
                    "FANOUT_DB_PASSWORD", "hunter2")));
    assertThat(config.toString()).doesNotContain("hunter2");
  }

  @org.junit.jupiter.api.Test
  void aBadDatabaseUrlIsReportedWithoutItsPassword() {
    assertThatThrownBy(
            () ->
                OperatorConfig.from(
                    new Env(
                        Map.of(
                            "FANOUT_DB_URL",
                            "jdbc:mysql://fanout:hunter2@db/fanout?user=fanout&password=hunter2"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("FANOUT_DB_URL: must start with jdbc:h2: or jdbc:postgresql:")
        .hasMessageContaining("jdbc:mysql://fanout:***@db/fanout?user=fanout&password=***")
        .hasMessageNotContaining("hunter2");
  }

  @org.junit.jupiter.api.Test
  void theDefaultPoolsQueueIsCreatedAtStartUnlessToldOtherwise() {
    assertThat(OperatorConfig.from(new Env(Map.of())).pools()).containsExactly("default");
    assertThat(OperatorConfig.from(new Env(Map.of("FANOUT_POOLS", "default, gpu ,batch"))).pools())
        .containsExactly("default", "gpu", "batch");
  }

  private Env env(String... pairs) {
    return new TestHome(home).env(pairs);
  }

  private Path write(String relative, String content) throws IOException {
    return new TestHome(home).write(relative, content);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "FANOUT_HTTP_PORT | abc | FANOUT_HTTP_PORT: must be a whole number, was \"abc\"",
        "FANOUT_LOG_LEVEL | loud | FANOUT_LOG_LEVEL: must be TRACE, DEBUG, INFO, WARN or ERROR",
        "FANOUT_LOG_FORMAT | xml | FANOUT_LOG_FORMAT: must be text or json, was \"xml\"",
        "FANOUT_SQS_EMBEDDED_PORT | 70000 | FANOUT_SQS_EMBEDDED_PORT: must be between 1 and 65535",
        "FANOUT_DB_URL | jdbc:mysql://x | FANOUT_DB_URL: must start with jdbc:h2: or jdbc:postgresql:",
        "AWS_ENDPOINT_URL_SQS | localhost:9324 | AWS_ENDPOINT_URL_SQS: must be an http(s) URL",
        "AWS_ENDPOINT_URL | localhost:4566 | AWS_ENDPOINT_URL: must be an http(s) URL",
        "AWS_PROFILE | nope | AWS_PROFILE: no profile \"nope\"",
        "AWS_CONFIG_FILE | /nonexistent/config | AWS_CONFIG_FILE: no such file: /nonexistent/config",
        "FANOUT_QUEUE_PREFIX | a b | FANOUT_QUEUE_PREFIX: queue prefix must be",
        "FANOUT_SQS_EMBEDDED | perhaps | FANOUT_SQS_EMBEDDED: must be true or false",
        "FANOUT_POOLS | default,Big_Pool | FANOUT_POOLS: pool \"Big_Pool\" must be 1-40 lowercase",
        "FANOUT_CONSOLE_PORT | 70000 | FANOUT_CONSOLE_PORT: must be between 0 and 65535",
        "FANOUT_CONSOLE_AUTH | basic | FANOUT_CONSOLE_AUTH: must be kubernetes or none, was \"basic\"",
      })
  void aBadSettingIsNamedWithWhatIsWrong(String name, String value, String message) {
    assertThatThrownBy(() -> OperatorConfig.from(env(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }
}
