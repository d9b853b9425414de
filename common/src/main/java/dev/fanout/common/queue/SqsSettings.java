package dev.fanout.common.queue;

import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.net.URI;

/**
 * Which SQS to talk to, and why: an endpoint (the embedded queue, ElasticMQ, LocalStack), or AWS
 * SQS in a region. {@link SqsLocator} finds them as the AWS SDK's default chains do.
 *
 * @param endpoint null for AWS SQS's own endpoint in {@code region}
 * @param region null when only an endpoint is known
 * @param profile the AWS profile the SDK reads credentials and client settings from
 * @param sdkCredentials whether the SDK's default credentials chain signs the calls; else fixed
 *     dummy credentials, for an SQS-compatible server that checks none
 * @param description the queue and why it was chosen, for the start-up line; no credentials
 */
public record SqsSettings(
    URI endpoint,
    String region,
    QueueNames names,
    AwsProfile profile,
    boolean sdkCredentials,
    String description) {
  public static final Setting ENDPOINT =
      new Setting("AWS_ENDPOINT_URL_SQS", "", "SQS endpoint URL (ElasticMQ, LocalStack)");
  public static final Setting GENERIC_ENDPOINT =
      new Setting(
          "AWS_ENDPOINT_URL",
          "",
          "endpoint URL for every AWS service, SQS included, when AWS_ENDPOINT_URL_SQS is unset");
  public static final Setting REGION =
      new Setting("AWS_REGION", "", "AWS region; with no endpoint, use AWS SQS there");
  public static final Setting PREFIX =
      new Setting(
          "FANOUT_QUEUE_PREFIX",
          "fanout-",
          "queue names are <prefix><pool> and <prefix><pool>-dlq");

  /** An SQS-compatible server chosen in code (tests, the benchmark rig): no profile, no keys. */
  public SqsSettings(URI endpoint, String region, QueueNames names) {
    this(endpoint, region, names, AwsProfile.NONE, endpoint == null, String.valueOf(endpoint));
  }

  /** A queue Fanout serves or finds itself (the embedded one), not one the AWS SDK found. */
  public static SqsSettings ownQueue(URI endpoint, QueueNames names, String description) {
    return new SqsSettings(endpoint, null, names, AwsProfile.NONE, false, description);
  }

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
