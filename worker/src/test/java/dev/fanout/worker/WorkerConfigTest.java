package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkerConfigTest {
  @TempDir Path home;

  @org.junit.jupiter.api.Test
  void everySettingIsInTheConfigurationDocs() {
    assertThat(
            dev.fanout.common.testing.ConfigurationDocs.undocumented(
                WorkerConfig.SETTINGS, "## Worker"))
        .as("settings missing from docs/configuration.md, section ## Worker")
        .isEmpty();
  }

  @Test
  void defaults() {
    WorkerConfig config = WorkerConfig.from(new Env(Map.of("HOME", home.toString())));
    assertThat(config.sqs().endpoint()).isEqualTo(URI.create("http://localhost:9324"));
    assertThat(config.sqs().region()).isNull();
    assertThat(config.sqs().description())
        .isEqualTo(
            "http://localhost:9324, the operator's embedded queue (no SQS endpoint or AWS region"
                + " configured)");
    assertThat(config.sqs().names().tasks(config.pool())).isEqualTo("fanout-default");
    assertThat(config.pool()).isEqualTo("default");
    assertThat(config.concurrency()).isEqualTo(4);
    assertThat(config.httpPort()).isEqualTo(8081);
    assertThat(config.namespaces()).isEmpty();
    assertThat(config.statusFlush()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.workerId()).isNotBlank();
    assertThat(config.execEnabled()).isTrue();
  }

  @Test
  void readsEverySetting() {
    WorkerConfig config =
        WorkerConfig.from(
            new Env(
                Map.ofEntries(
                    Map.entry("AWS_ENDPOINT_URL_SQS", "http://sqs:4566"),
                    Map.entry("AWS_REGION", "eu-west-1"),
                    Map.entry("FANOUT_QUEUE_PREFIX", "x-"),
                    Map.entry("FANOUT_POOL", "gpu-1"),
                    Map.entry("FANOUT_WORKER_CONCURRENCY", "16"),
                    Map.entry("FANOUT_HTTP_PORT", "9000"),
                    Map.entry("FANOUT_NAMESPACES", "a, b"),
                    Map.entry("FANOUT_STATUS_FLUSH_MS", "100"),
                    Map.entry("FANOUT_SHUTDOWN_GRACE_SECONDS", "5"),
                    Map.entry("FANOUT_WORKER_ID", "w-7"),
                    Map.entry("FANOUT_EXEC_ENABLED", "false"))));
    assertThat(config.sqs().endpoint()).isEqualTo(URI.create("http://sqs:4566"));
    assertThat(config.sqs().region()).isEqualTo("eu-west-1");
    assertThat(config.sqs().names().tasks(config.pool())).isEqualTo("x-gpu-1");
    assertThat(config.concurrency()).isEqualTo(16);
    assertThat(config.httpPort()).isEqualTo(9000);
    assertThat(config.namespaces()).containsExactly("a", "b");
    assertThat(config.statusFlush()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.workerId()).isEqualTo("w-7");
    assertThat(config.execEnabled()).isFalse();
  }

  @Test
  void aRegionWithoutEndpointMeansAwsSqs() {
    WorkerConfig config = WorkerConfig.from(new Env(Map.of("AWS_REGION", "us-west-2")));
    assertThat(config.sqs().endpoint()).isNull();
    assertThat(config.sqs().region()).isEqualTo("us-west-2");
  }

  @Test
  void aRegionInTheAwsProfileWithNoAwsRegionMeansAwsSqsThere() throws IOException {
    Path config = home.resolve("aws-config");
    Files.writeString(config, "[profile batch]\nregion = eu-central-1\n");

    WorkerConfig worker =
        WorkerConfig.from(
            new Env(
                Map.of(
                    "HOME", home.toString(),
                    "AWS_CONFIG_FILE", config.toString(),
                    "AWS_PROFILE", "batch")));

    assertThat(worker.sqs().endpoint()).isNull();
    assertThat(worker.sqs().region()).isEqualTo("eu-central-1");
    assertThat(worker.sqs().description())
        .isEqualTo("AWS SQS in eu-central-1 (region from profile 'batch' in " + config + ")");
  }

  @Test
  void theProfilesEndpointUrlIsTheQueue() throws IOException {
    Path config = home.resolve(".aws").resolve("config");
    Files.createDirectories(config.getParent());
    Files.writeString(config, "[default]\nendpoint_url = http://ls:4566\n");

    WorkerConfig worker = WorkerConfig.from(new Env(Map.of("HOME", home.toString())));

    assertThat(worker.sqs().endpoint()).isEqualTo(URI.create("http://ls:4566"));
    assertThat(worker.sqs().description())
        .isEqualTo("http://ls:4566 (profile 'default' in " + config + ")");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "FANOUT_WORKER_CONCURRENCY | abc   | FANOUT_WORKER_CONCURRENCY: must be a whole number",
        "FANOUT_LOG_LEVEL | loud | FANOUT_LOG_LEVEL: must be TRACE, DEBUG, INFO, WARN or ERROR",
        "FANOUT_LOG_FORMAT | JSON | FANOUT_LOG_FORMAT: must be text or json, was \"JSON\"",
        "FANOUT_WORKER_CONCURRENCY | 0     | FANOUT_WORKER_CONCURRENCY: must be between 1 and 1000",
        "FANOUT_WORKER_CONCURRENCY | 1001  | FANOUT_WORKER_CONCURRENCY: must be between 1 and 1000",
        "FANOUT_POOL               | GPU   | FANOUT_POOL: must be 1 to 40",
        "FANOUT_POOL               | -a    | FANOUT_POOL: must be 1 to 40",
        "FANOUT_HTTP_PORT          | 70000 | FANOUT_HTTP_PORT: must be between 0 and 65535",
        "FANOUT_NAMESPACES         | a,B_c | FANOUT_NAMESPACES: \"B_c\" is not a valid namespace",
        "FANOUT_STATUS_FLUSH_MS    | 1     | FANOUT_STATUS_FLUSH_MS: must be between 10",
        "FANOUT_QUEUE_PREFIX       | a.b   | FANOUT_QUEUE_PREFIX: queue prefix must be",
        "AWS_ENDPOINT_URL_SQS      | sqs   | AWS_ENDPOINT_URL_SQS: must be an http(s) URL",
        "FANOUT_EXEC_ENABLED       | off   | FANOUT_EXEC_ENABLED: must be true or false",
        "AWS_ENDPOINT_URL          | ls    | AWS_ENDPOINT_URL: must be an http(s) URL",
        "AWS_PROFILE               | nope  | AWS_PROFILE: no profile \"nope\"",
      })
  void aBadValueNamesTheVariable(String name, String value, String message) {
    assertThatThrownBy(
            () -> WorkerConfig.from(new Env(Map.of("HOME", home.toString(), name, value))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void everySettingIsListedOnce() {
    List<String> names = WorkerConfig.SETTINGS.stream().map(Setting::name).toList();
    assertThat(names)
        .doesNotHaveDuplicates()
        .contains(
            "AWS_ENDPOINT_URL_SQS",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_PROFILE",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "FANOUT_QUEUE_PREFIX",
            "FANOUT_POOL",
            "FANOUT_WORKER_CONCURRENCY",
            "FANOUT_HTTP_PORT",
            "FANOUT_NAMESPACES",
            "FANOUT_STATUS_FLUSH_MS",
            "FANOUT_SHUTDOWN_GRACE_SECONDS");
    assertThat(WorkerConfig.SETTINGS).allSatisfy(s -> assertThat(s.description()).isNotBlank());
  }
}
