package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  @org.junit.jupiter.api.Test
  void everySettingIsInTheConfigurationDocs() {
    assertThat(
            dev.fanout.common.testing.ConfigurationDocs.undocumented(
                OperatorConfig.SETTINGS, "## Operator"))
        .as("settings missing from docs/configuration.md, section ## Operator")
        .isEmpty();
  }

  @org.junit.jupiter.api.Test
  void withNothingSetItServesAnEmbeddedQueueAndAnH2Database() {
    OperatorConfig config = OperatorConfig.from(new Env(Map.of()));
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
        "FANOUT_QUEUE_PREFIX | a b | FANOUT_QUEUE_PREFIX: queue prefix must be",
        "FANOUT_SQS_EMBEDDED | perhaps | FANOUT_SQS_EMBEDDED: must be true or false",
        "FANOUT_POOLS | default,Big_Pool | FANOUT_POOLS: pool \"Big_Pool\" must be 1-40 lowercase",
      })
  void aBadSettingIsNamedWithWhatIsWrong(String name, String value, String message) {
    assertThatThrownBy(() -> OperatorConfig.from(new Env(Map.of(name, value))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }
}
