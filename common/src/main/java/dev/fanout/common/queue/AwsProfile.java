package dev.fanout.common.queue;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.awscore.endpoint.AwsClientEndpointProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileFileSystemSetting;
import software.amazon.awssdk.profiles.ProfileProperty;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;

/**
 * The AWS shared config and credentials files and the profile in them: found where the AWS SDK
 * looks for them, with the variables read from the program's {@link Env}, and handed to the SDK's
 * own readers (region, endpoint, credentials) so that they all read the same files.
 *
 * @param named whether AWS_PROFILE (or {@code aws.profile}) chose the profile, rather than the
 *     default
 * @param files the files that exist, credentials file first
 */
public record AwsProfile(String name, boolean named, List<Path> files, ProfileFile file) {
  public static final Setting PROFILE =
      new Setting(
          "AWS_PROFILE",
          "default",
          "the AWS profile whose region, endpoint_url and credentials are used");
  public static final Setting CONFIG_FILE =
      new Setting("AWS_CONFIG_FILE", "~/.aws/config", "the AWS shared config file");
  public static final Setting CREDENTIALS_FILE =
      new Setting(
          "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", "the AWS shared credentials file");

  private static final Setting HOME = new Setting("HOME", "", "the user's home directory");
  private static final String DEFAULT = "default";

  /** What in a profile gives credentials: keys, a role, a process, SSO or a web identity. */
  private static final List<String> CREDENTIAL_PROPERTIES =
      List.of(
          ProfileProperty.AWS_ACCESS_KEY_ID,
          ProfileProperty.ROLE_ARN,
          ProfileProperty.CREDENTIAL_PROCESS,
          ProfileProperty.WEB_IDENTITY_TOKEN_FILE,
          ProfileProperty.SSO_START_URL,
          "sso_session",
          ProfileProperty.LOGIN_SESSION);

  /** No files: for a queue that is not the AWS SDK's to find (the embedded one, one in code). */
  public static final AwsProfile NONE =
      new AwsProfile(DEFAULT, false, List.of(), ProfileFile.aggregator().build());

  public AwsProfile {
    files = List.copyOf(files);
  }

  /**
   * Reads the files. A file named by a variable must exist, and a profile named by one must be in
   * the files: either mistake would otherwise pass silently, and the queue chosen with it.
   */
  public static AwsProfile from(Env env) {
    String explicitName = sdkSetting(env, PROFILE, ProfileFileSystemSetting.AWS_PROFILE);
    String name = explicitName == null ? DEFAULT : explicitName;
    var aggregator = ProfileFile.aggregator();
    List<Path> files = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      Path path = kind.location(env);
      if (path == null) {
        continue;
      }
      try {
        aggregator.addFile(ProfileFile.builder().content(path).type(kind.type).build());
      } catch (RuntimeException e) {
        throw new ConfigException(kind.variable, "cannot read " + path + ": " + e.getMessage());
      }
      files.add(path);
    }
    AwsProfile profile = new AwsProfile(name, explicitName != null, files, aggregator.build());
    if (profile.named && profile.file.profile(name).isEmpty()) {
      throw new ConfigException(
          PROFILE,
          "no profile \""
              + name
              + "\" in "
              + (files.isEmpty() ? "any AWS config or credentials file" : profile.where()));
    }
    return profile;
  }

  /** The region the profile names, read by the SDK's own profile region provider. */
  public Optional<Region> region() {
    try {
      return Optional.of(new AwsProfileRegionProvider(() -> file, name).getRegion());
    } catch (SdkClientException e) {
      return Optional.empty();
    }
  }

  /**
   * The SQS endpoint the profile names — {@code [services]} {@code sqs = endpoint_url}, the
   * profile's {@code endpoint_url} — resolved by the SDK's own resolver, which also honours {@code
   * ignore_configured_endpoint_urls}. It checks the SDK's system properties and environment
   * variables first; the caller has read those already.
   */
  public Optional<URI> sqsEndpoint() {
    try {
      return AwsClientEndpointProvider.builder()
          .serviceEndpointOverrideEnvironmentVariable(SqsSettings.ENDPOINT.name())
          .serviceEndpointOverrideSystemProperty("aws.endpointUrlSqs")
          .serviceProfileProperty("sqs")
          .profileFile(() -> file)
          .profileName(name)
          .resolveFromOverrides();
    } catch (SdkClientException e) {
      throw new ConfigException("the endpoint_url of " + this + ": " + e.getMessage());
    }
  }

  /** Whether the profile itself gives credentials (else it may only say where and which region). */
  public boolean hasCredentials() {
    return file.profile(name)
        .map(p -> CREDENTIAL_PROPERTIES.stream().anyMatch(k -> p.property(k).isPresent()))
        .orElse(false);
  }

  /** For messages: {@code profile 'dev' in /home/u/.aws/config}. */
  @Override
  public String toString() {
    return "profile '" + name + "' in " + where();
  }

  private String where() {
    return files.stream().map(Path::toString).collect(Collectors.joining(" and "));
  }

  /** The two files, credentials first: its values win, as in the SDK. */
  private enum Kind {
    CREDENTIALS(
        CREDENTIALS_FILE,
        ProfileFileSystemSetting.AWS_SHARED_CREDENTIALS_FILE,
        "credentials",
        ProfileFile.Type.CREDENTIALS),
    CONFIG(
        CONFIG_FILE,
        ProfileFileSystemSetting.AWS_CONFIG_FILE,
        "config",
        ProfileFile.Type.CONFIGURATION);

    private final Setting variable;
    private final ProfileFileSystemSetting sdk;
    private final String defaultName;
    private final ProfileFile.Type type;

    Kind(
        Setting variable, ProfileFileSystemSetting sdk, String defaultName, ProfileFile.Type type) {
      this.variable = variable;
      this.sdk = sdk;
      this.defaultName = defaultName;
      this.type = type;
    }

    /**
     * The file the variable names (it must exist), else the SDK's default under the home directory,
     * if it is there; null when neither.
     */
    Path location(Env env) {
      String named = sdkSetting(env, variable, sdk);
      if (named == null) {
        Path path = home(env).resolve(".aws").resolve(defaultName).toAbsolutePath();
        return Files.isRegularFile(path) ? path : null;
      }
      Path path =
          (named.startsWith("~/") ? home(env).resolve(named.substring(2)) : Path.of(named))
              .toAbsolutePath();
      if (!Files.isRegularFile(path)) {
        throw new ConfigException(variable, "no such file: " + path);
      }
      return path;
    }
  }

  private static Path home(Env env) {
    String home = env.raw(HOME);
    return Path.of(home != null ? home : System.getProperty("user.home"));
  }

  /** As the SDK reads its settings: the system property first, then the variable. */
  private static String sdkSetting(Env env, Setting variable, ProfileFileSystemSetting sdk) {
    String property = System.getProperty(sdk.property());
    return property != null && !property.isBlank() ? property.trim() : env.raw(variable);
  }
}
