package dev.fanout.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as its own process, as a pod runs it. */
class MainIT {
  private static final Path JAR = Path.of("target", "fanout-worker.jar");
  private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

  @TempDir Path dir;

  private Process start(Map<String, String> env, Path log) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(JAVA, "-jar", JAR.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("FANOUT_") || k.startsWith("AWS_"));
    builder.environment().putAll(env);
    return builder.start();
  }

  @Test
  void aBadSettingStopsTheWorkerWithOneLineAndExitCode2() throws Exception {
    Path log = dir.resolve("out.log");
    Process process = start(Map.of("FANOUT_WORKER_CONCURRENCY", "abc"), log);

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(Files.readAllLines(log))
        .containsExactly(
            "fanout-worker: FANOUT_WORKER_CONCURRENCY: must be a whole number, was \"abc\"");
  }

  @Test
  void withFanoutLogFormatJsonEachLineIsOneJsonObjectAndTheLevelIsHeld() throws Exception {
    Path log = dir.resolve("json.log");
    // Nothing to reach: the worker starts, logs that it waits for SQS, and is stopped.
    Process process =
        start(
            Map.of(
                "FANOUT_LOG_FORMAT", "json",
                "FANOUT_LOG_LEVEL", "DEBUG",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9",
                "KUBECONFIG", dir.resolve("none").toString(),
                "FANOUT_HTTP_PORT", "0"),
            log);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Files.readAllLines(log).stream()
                      .anyMatch(l -> l.contains("\"loggerName\":\"dev.fanout.worker.")));
    } finally {
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> lines =
        Files.readAllLines(log).stream().filter(l -> !l.startsWith("WARNING:")).toList();
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      var event = mapper.readTree(line);
      assertThat(event.path("level").asText()).as(line).isIn("DEBUG", "INFO", "WARN", "ERROR");
      assertThat(event.has("message")).as(line).isTrue();
    }
    assertThat(lines).anyMatch(l -> l.contains("\"level\":\"DEBUG\""));
  }

  @Test
  void runsTasksAndExitsZeroOnSigterm() throws Exception {
    try (TestBed bed = new TestBed()) {
      TestBed.Queues queues = bed.createQueues("proc-", 60);
      Job job = bed.createJob("team-g", "process", 5, spec -> {});
      bed.enqueue(queues, job, 0, 4);
      Path kubeconfig = bed.kube.writeKubeconfig(dir.resolve("kubeconfig"));
      Path log = dir.resolve("worker.log");
      Process process =
          start(
              Map.of(
                  "KUBECONFIG", kubeconfig.toString(),
                  "AWS_ENDPOINT_URL_SQS", bed.sqsServer.endpoint().toString(),
                  "FANOUT_QUEUE_PREFIX", queues.prefix(),
                  "FANOUT_HTTP_PORT", "0",
                  "FANOUT_RECEIVE_WAIT_SECONDS", "2"),
              log);
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "0-4".equals(bed.status(job).getCompletedIndexes()));
        int port = port(log);
        HttpResponse<String> ready =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/readyz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        long stopping = System.nanoTime();
        process.destroy();

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        System.out.printf(
            "The worker process stopped %d ms after SIGTERM%n",
            (System.nanoTime() - stopping) / 1_000_000);
        List<String> lines = Files.readAllLines(log);
        // The shutdown's one line, with what became of the tasks it held.
        assertThat(lines)
            .anyMatch(l -> l.matches(".*Worker \\S+ stopped in \\d+ ms: .* handed back .*"));
        // One line per event: every line starts with a timestamp.
        assertThat(lines).allMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\dT.*"));
      } finally {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void aWorkerConfiguredOnlyByAnAwsProfileUsesTheQueueItNamesAndSaysSo() throws Exception {
    try (TestBed bed = new TestBed()) {
      TestBed.Queues queues = bed.createQueues("profile-", 60);
      Job job = bed.createJob("team-p", "profile", 3, spec -> {});
      bed.enqueue(queues, job, 0, 2);
      Path config = dir.resolve("aws-config");
      Files.writeString(
          config,
          "[profile fanout]\nregion = eu-west-1\nendpoint_url = "
              + bed.sqsServer.endpoint()
              + "\n");
      Path log = dir.resolve("worker.log");
      Process process =
          start(
              Map.of(
                  "HOME", dir.toString(),
                  "AWS_CONFIG_FILE", config.toString(),
                  "AWS_PROFILE", "fanout",
                  "KUBECONFIG", bed.kube.writeKubeconfig(dir.resolve("kubeconfig")).toString(),
                  "FANOUT_QUEUE_PREFIX", queues.prefix(),
                  "FANOUT_HTTP_PORT", "0",
                  "FANOUT_RECEIVE_WAIT_SECONDS", "2"),
              log);
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "0-2".equals(bed.status(job).getCompletedIndexes()));
        assertThat(Files.readAllLines(log))
            .anyMatch(
                l ->
                    l.endsWith(
                        "queue: "
                            + bed.sqsServer.endpoint()
                            + " (profile 'fanout' in "
                            + config
                            + ")"));
      } finally {
        process.destroyForcibly();
      }
    }
  }

  private static int port(Path log) throws IOException {
    Matcher m = Pattern.compile("HTTP port (\\d+)").matcher(Files.readString(log));
    assertThat(m.find()).as("the worker logs its port").isTrue();
    return Integer.parseInt(m.group(1));
  }
}
