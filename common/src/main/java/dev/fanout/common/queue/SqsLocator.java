package dev.fanout.common.queue;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.endpoint.IgnoreConfiguredEndpointUrlsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.InstanceProfileRegionProvider;

/**
 * Finds the SQS the AWS SDK's default chains point at, in the SDK's order, and says where each
 * value came from for the start-up line.
 *
 * <p>Endpoint: the system properties {@code aws.endpointUrlSqs} and {@code aws.endpointUrl}, then
 * {@code AWS_ENDPOINT_URL_SQS} and {@code AWS_ENDPOINT_URL}, then the profile ({@code [services]}
 * {@code sqs} section, {@code endpoint_url}). Region: {@code aws.region}, {@code AWS_REGION}, the
 * profile, then the EC2 instance metadata service. Variables come from the program's {@link Env};
 * the profile and the instance metadata are read by the SDK's own providers.
 */
public final class SqsLocator {
  /** A value and where it came from, e.g. {@code AWS_REGION} or {@code profile 'dev' in …}. */
  public record Found<T>(T value, String source) {}

  private static final String ENDPOINT_PROPERTY = "aws.endpointUrlSqs";
  private static final String GENERIC_ENDPOINT_PROPERTY = "aws.endpointUrl";

  /** Variables through which a pod on AWS gets its identity: IRSA, EKS Pod Identity, ECS. */
  private static final List<Setting> AWS_WORKLOAD_IDENTITY =
      List.of(
          sdk(SdkSystemSetting.AWS_WEB_IDENTITY_TOKEN_FILE),
          sdk(SdkSystemSetting.AWS_CONTAINER_CREDENTIALS_FULL_URI),
          sdk(SdkSystemSetting.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI));

  private static final Setting ACCESS_KEY_ID = sdk(SdkSystemSetting.AWS_ACCESS_KEY_ID);

  private final Env env;
  private final AwsProfile profile;

  public SqsLocator(Env env, AwsProfile profile) {
    this.env = env;
    this.profile = profile;
  }

  /**
   * An endpoint set for this process by a system property or an environment variable — not by a
   * profile, which is shared by every program of the user. Empty when none is.
   */
  public static Optional<Found<URI>> explicitEndpoint(Env env) {
    for (String property : List.of(ENDPOINT_PROPERTY, GENERIC_ENDPOINT_PROPERTY)) {
      String value = System.getProperty(property);
      if (value != null && !value.isBlank()) {
        String source = "system property " + property;
        return Optional.of(new Found<>(httpUrl(value.trim(), source), source));
      }
    }
    for (Setting setting : List.of(SqsSettings.ENDPOINT, SqsSettings.GENERIC_ENDPOINT)) {
      URI uri = env.httpUrl(setting);
      if (uri != null) {
        return Optional.of(new Found<>(uri, setting.name()));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the environment gives this process an AWS workload identity (IRSA, EKS Pod Identity,
   * ECS): it runs on AWS, so the instance metadata service is worth asking for a region.
   */
  public static boolean hasAwsWorkloadIdentity(Env env) {
    return AWS_WORKLOAD_IDENTITY.stream().anyMatch(env::isSet);
  }

  /** The explicit endpoint, else the profile's; empty when neither names one. */
  public Optional<Found<URI>> endpoint() {
    if (ignoresConfiguredEndpoints()) {
      return Optional.empty();
    }
    Optional<Found<URI>> explicit = explicitEndpoint(env);
    if (explicit.isPresent()) {
      return explicit;
    }
    return profile
        .sqsEndpoint()
        .map(
            uri ->
                new Found<>(
                    httpUrl(uri.toString(), "the endpoint_url of " + profile), profile.toString()));
  }

  /**
   * The region.
   *
   * @param askInstanceMetadata whether to ask the EC2 instance metadata service last. Off a cloud
   *     machine it takes a second or more to give up, on every start; so it is asked only when AWS
   *     is chosen already, and never to decide whether the embedded queue is used.
   */
  public Optional<Found<Region>> region(boolean askInstanceMetadata) {
    String property = System.getProperty(SdkSystemSetting.AWS_REGION.property());
    if (property != null && !property.isBlank()) {
      return Optional.of(
          new Found<>(
              Region.of(property.trim()),
              "system property " + SdkSystemSetting.AWS_REGION.property()));
    }
    String variable = env.raw(SqsSettings.REGION);
    if (variable != null) {
      return Optional.of(new Found<>(Region.of(variable), SqsSettings.REGION.name()));
    }
    Optional<Region> fromProfile = profile.region();
    if (fromProfile.isPresent()) {
      return Optional.of(new Found<>(fromProfile.get(), profile.toString()));
    }
    if (askInstanceMetadata) {
      try {
        return Optional.of(
            new Found<>(new InstanceProfileRegionProvider().getRegion(), "EC2 instance metadata"));
      } catch (SdkClientException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * SQS as the AWS SDK finds it: the endpoint if one is configured (an SQS-compatible server, or an
   * AWS endpoint of one's own), else AWS SQS in the region; empty when neither is configured.
   */
  public Optional<SqsSettings> locate(QueueNames names, boolean askInstanceMetadata) {
    Optional<Found<URI>> endpoint = endpoint();
    if (endpoint.isPresent()) {
      // The SDK signs with a region even where the server ignores it; never wait on the metadata
      // service for that.
      String region = region(false).map(f -> f.value().id()).orElse(null);
      URI uri = endpoint.get().value();
      return Optional.of(
          new SqsSettings(
              uri,
              region,
              names,
              profile,
              credentialsConfigured(),
              uri + " (" + endpoint.get().source() + ")"));
    }
    return region(askInstanceMetadata)
        .map(
            r ->
                new SqsSettings(
                    null,
                    r.value().id(),
                    names,
                    profile,
                    true,
                    "AWS SQS in " + r.value().id() + " (region from " + r.source() + ")"));
  }

  /**
   * Whether this process is given credentials: by the environment, or by a profile AWS_PROFILE
   * names that holds some (a profile may name just an endpoint). Without, an endpoint gets fixed
   * dummy ones rather than the SDK's chain, which would end asking the instance metadata service,
   * or try the default profile's SSO login on a local ElasticMQ.
   */
  private boolean credentialsConfigured() {
    return env.isSet(ACCESS_KEY_ID)
        || hasAwsWorkloadIdentity(env)
        || (profile.named() && profile.hasCredentials());
  }

  /** {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} or the profile's, as the SDK reads it. */
  private boolean ignoresConfiguredEndpoints() {
    return IgnoreConfiguredEndpointUrlsProvider.builder()
        .profileFile(profile::file)
        .profileName(profile.name())
        .build()
        .ignoreConfiguredEndpointUrls()
        .orElse(false);
  }

  private static URI httpUrl(String value, String what) {
    try {
      URI uri = new URI(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(what + " must be an http(s) URL, was \"" + value + "\"");
  }

  private static Setting sdk(SdkSystemSetting setting) {
    return new Setting(setting.environmentVariable(), "", "read by the AWS SDK");
  }
}
