package dev.fanout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fanout.common.config.Env;
import dev.fanout.common.queue.TaskMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** An operator whose only queue setting is an AWS profile, against the ElasticMQ it names. */
class AwsProfileQueueIT {
  @TempDir Path home;

  @Test
  void theOperatorSendsTasksToTheEndpointItsAwsProfileNamesAndSaysSoAtStart() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(FanoutOperator.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try (OperatorHarness h =
        new OperatorHarness("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "")) {
      Path config = home.resolve(".aws").resolve("config");
      Files.createDirectories(config.getParent());
      Files.writeString(
          config,
          "[profile batch]\nregion = eu-west-1\nservices = local\n\n[services local]\nsqs =\n"
              + "  endpoint_url = "
              + h.sqsServer.endpoint()
              + "\n");
      OperatorConfig settings =
          OperatorConfig.from(
              new Env(
                  Map.of(
                      "HOME", home.toString(),
                      "AWS_PROFILE", "batch",
                      "FANOUT_DB_URL", h.dbUrl,
                      "FANOUT_DB_USER", h.dbUser,
                      "FANOUT_QUEUE_PREFIX", h.prefix)));

      try (FanoutOperator operator =
          new FanoutOperator(settings, h.kube.newClient(), () -> {}).start()) {
        h.create(OperatorHarness.job("by-profile", 3));

        List<TaskMessage> sent = new ArrayList<>();
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () -> {
                  sent.addAll(h.drain("default"));
                  return sent.size() == 3;
                });
      }

      assertThat(settings.sqsEmbedded()).isFalse();
      assertThat(lines.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .contains("queue: " + h.sqsServer.endpoint() + " (profile 'batch' in " + config + ")");
    } finally {
      logger.detachAppender(lines);
    }
  }
}
