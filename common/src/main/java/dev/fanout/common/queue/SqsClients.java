package dev.fanout.common.queue;

import java.time.Duration;
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

  /**
   * The region and endpoint are set explicitly from {@code settings}: {@link SqsLocator} found them
   * with the SDK's own providers, and the start-up line names them; passing them keeps the client
   * from asking the instance metadata service again. The profile is handed over too, so that the
   * SDK's credentials chain and client settings (retries, …) read the same files.
   */
  public static SqsClient create(SqsSettings settings, int maxConnections) {
    var builder =
        SqsClient.builder()
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(maxConnections)
                    .connectionTimeout(Duration.ofSeconds(5))
                    // Long polls wait 20 s on the server.
                    .socketTimeout(Duration.ofSeconds(40)))
            .region(Region.of(settings.effectiveRegion()))
            .credentialsProvider(credentials(settings))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .defaultProfileFile(settings.profile().file())
                    .defaultProfileName(settings.profile().name())
                    .apiCallAttemptTimeout(Duration.ofSeconds(45))
                    .build());
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    return builder.build();
  }

  /**
   * An SQS-compatible server with no credentials configured gets fixed dummy ones: the SDK's chain
   * would find none and end asking the EC2 metadata service.
   */
  static AwsCredentialsProvider credentials(SqsSettings settings) {
    if (!settings.sdkCredentials()) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create("fanout", "fanout"));
    }
    return DefaultCredentialsProvider.builder()
        .profileFile(settings.profile().file())
        .profileName(settings.profile().name())
        .build();
  }
}
