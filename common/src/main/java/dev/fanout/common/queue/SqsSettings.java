package dev.fanout.common.queue;

import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.net.URI;

/**
 * Which SQS to talk to: an endpoint (ElasticMQ, LocalStack), or AWS by region through the SDK's
 * credentials chain.
 */
public record SqsSettings(URI endpoint, String region, QueueNames names) {
  public static final Setting ENDPOINT =
      new Setting("AWS_ENDPOINT_URL_SQS", "", "SQS endpoint URL (ElasticMQ, LocalStack)");
  public static final Setting REGION =
      new Setting("AWS_REGION", "", "AWS region; with no endpoint, use AWS SQS there");
  public static final Setting PREFIX =
      new Setting(
          "FANOUT_QUEUE_PREFIX",
          "fanout-",
          "queue names are <prefix><pool> and <prefix><pool>-dlq");

  public static QueueNames queueNames(Env env) {
    String prefix = env.string(PREFIX, QueueNames.DEFAULT_PREFIX);
    try {
      return new QueueNames(prefix);
    } catch (IllegalArgumentException e) {
      throw new dev.fanout.common.config.ConfigException(PREFIX, e.getMessage());
    }
  }

  /** With an endpoint and no region the SDK still needs one; SQS-compatible servers ignore it. */
  public String effectiveRegion() {
    return region == null ? "us-east-1" : region;
  }
}
