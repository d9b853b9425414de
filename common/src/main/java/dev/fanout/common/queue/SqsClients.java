package dev.fanout.common.queue;

import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the SQS client both programs use (AWS SDK v2, Apache HTTP client). */
public final class SqsClients {
  private SqsClients() {}

  public static SqsClient create(SqsSettings settings, int maxConnections) {
    return create(settings, maxConnections, System.getenv());
  }

  static SqsClient create(SqsSettings settings, int maxConnections, Map<String, String> env) {
    var builder =
        SqsClient.builder()
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(maxConnections)
                    .connectionTimeout(Duration.ofSeconds(5))
                    // Long polls wait 20 s on the server.
                    .socketTimeout(Duration.ofSeconds(40)))
            .region(Region.of(settings.effectiveRegion()))
            .credentialsProvider(credentials(settings, env))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallAttemptTimeout(Duration.ofSeconds(45))
                    .build());
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    return builder.build();
  }

  /**
   * An SQS-compatible server by endpoint needs no real credentials; don't let the SDK's chain go
   * looking for them (it would ask the EC2 metadata service).
   */
  static AwsCredentialsProvider credentials(SqsSettings settings, Map<String, String> env) {
    boolean credentialsConfigured =
        env.containsKey("AWS_ACCESS_KEY_ID")
            || env.containsKey("AWS_PROFILE")
            || env.containsKey("AWS_WEB_IDENTITY_TOKEN_FILE")
            || env.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            || env.containsKey("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if (settings.endpoint() != null && !credentialsConfigured) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create("fanout", "fanout"));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
