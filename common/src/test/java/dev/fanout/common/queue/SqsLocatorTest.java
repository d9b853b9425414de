package dev.fanout.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.testing.TestHome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The AWS SDK's chains as the programs use them, with profile files in a home directory of the
 * test's own: no AWS_REGION, no AWS_ENDPOINT_URL_SQS unless a test sets one.
 */
class SqsLocatorTest {
  static final QueueNames NAMES = new QueueNames(QueueNames.DEFAULT_PREFIX);

  @TempDir Path home;

  @Test
  void aRegionInTheDefaultProfileMeansAwsSqsThereWithNoAwsRegionSet() throws IOException {
    Path config = write(".aws/config", "[default]\nregion = eu-west-1\n");

    SqsSettings sqs = locate(env()).orElseThrow();

    assertThat(sqs.endpoint()).isNull();
    assertThat(sqs.region()).isEqualTo("eu-west-1");
    assertThat(sqs.sdkCredentials()).isTrue();
    assertThat(sqs.description())
        .isEqualTo("AWS SQS in eu-west-1 (region from profile 'default' in " + config + ")");
  }

  @Test
  void aProfileNamedByAwsProfileInTheFileNamedByAwsConfigFileGivesTheRegion() throws IOException {
    Path config =
        write(
            "elsewhere/aws-config",
            "[default]\nregion = us-east-2\n\n[profile dev]\nregion = ap-southeast-2\n");

    SqsSettings sqs =
        locate(env("AWS_CONFIG_FILE", config.toString(), "AWS_PROFILE", "dev")).orElseThrow();

    assertThat(sqs.region()).isEqualTo("ap-southeast-2");
    assertThat(sqs.description())
        .isEqualTo("AWS SQS in ap-southeast-2 (region from profile 'dev' in " + config + ")");
  }

  @Test
  void awsRegionWinsOverTheProfile() throws IOException {
    write(".aws/config", "[default]\nregion = eu-west-1\n");

    SqsSettings sqs = locate(env("AWS_REGION", "sa-east-1")).orElseThrow();

    assertThat(sqs.region()).isEqualTo("sa-east-1");
    assertThat(sqs.description()).isEqualTo("AWS SQS in sa-east-1 (region from AWS_REGION)");
  }

  @Test
  void theProfilesEndpointUrlPicksTheEndpoint() throws IOException {
    Path config =
        write(".aws/config", "[default]\nregion = eu-west-2\nendpoint_url = http://ls:4566\n");

    SqsSettings sqs = locate(env()).orElseThrow();

    assertThat(sqs.endpoint()).isEqualTo(URI.create("http://ls:4566"));
    assertThat(sqs.region()).isEqualTo("eu-west-2");
    assertThat(sqs.description()).isEqualTo("http://ls:4566 (profile 'default' in " + config + ")");
  }

  @Test
  void theServicesSectionsSqsEndpointWinsOverTheProfilesEndpointUrl() throws IOException {
    write(
        ".aws/config",
        """
        [profile dev]
        endpoint_url = http://everything:4566
        services = local

        [services local]
        sqs =
          endpoint_url = http://queue:9324
        """);

    SqsSettings sqs = locate(env("AWS_PROFILE", "dev")).orElseThrow();

    assertThat(sqs.endpoint()).isEqualTo(URI.create("http://queue:9324"));
    assertThat(sqs.region()).as("none configured; the client signs with us-east-1").isNull();
  }

  @Test
  void awsEndpointUrlIsHonouredAndTheSqsOneWinsOverItAndBothOverTheProfile() throws IOException {
    write(".aws/config", "[default]\nendpoint_url = http://profile:4566\n");

    SqsSettings generic = locate(env("AWS_ENDPOINT_URL", "http://generic:4566")).orElseThrow();
    SqsSettings specific =
        locate(
                env(
                    "AWS_ENDPOINT_URL",
                    "http://generic:4566",
                    "AWS_ENDPOINT_URL_SQS",
                    "http://sqs:9324"))
            .orElseThrow();

    assertThat(generic.description()).isEqualTo("http://generic:4566 (AWS_ENDPOINT_URL)");
    assertThat(specific.description()).isEqualTo("http://sqs:9324 (AWS_ENDPOINT_URL_SQS)");
  }

  @Test
  void withNothingConfiguredNothingIsFoundAndTheInstanceMetadataServiceIsNotAsked()
      throws IOException {
    try (MetadataService metadata = new MetadataService()) {
      assertThat(locate(env())).isEmpty();
      assertThat(metadata.calls()).isZero();
    }
  }

  @Test
  void inAPodWithAnAwsWorkloadIdentityTheInstanceMetadataServiceIsAskedForTheRegion()
      throws IOException {
    Env irsa = env("AWS_WEB_IDENTITY_TOKEN_FILE", home.resolve("token").toString());
    try (MetadataService metadata = new MetadataService()) {
      assertThat(locate(irsa)).as("it does not answer").isEmpty();
      assertThat(metadata.calls()).isPositive();
    }
  }

  @Test
  void theSdksOwnClientReadsTheSameRegionAndEndpointFromTheProfile() throws IOException {
    write(
        ".aws/config",
        "[profile dev]\nregion = eu-north-1\nservices = local\n\n"
            + "[services local]\nsqs =\n  endpoint_url = http://queue:9324\n");
    AwsProfile profile = AwsProfile.from(env("AWS_PROFILE", "dev"));
    SqsSettings sqs = new SqsLocator(env("AWS_PROFILE", "dev"), profile).locate(NAMES, false).get();

    try (SqsClient sdk =
        SqsClient.builder()
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .defaultProfileFile(profile.file())
                    .defaultProfileName(profile.name())
                    .build())
            .build()) {
      assertThat(sdk.serviceClientConfiguration().region()).isEqualTo(Region.of(sqs.region()));
      assertThat(sdk.serviceClientConfiguration().endpointOverride()).contains(sqs.endpoint());
    }
  }

  @Test
  void anEndpointWithNoCredentialsConfiguredGetsDummyOnesAndAProfilesKeysAreUsed()
      throws IOException {
    write(".aws/config", "[profile local]\nendpoint_url = http://ls:4566\n");
    SqsSettings none = locate(env("AWS_PROFILE", "local")).orElseThrow();
    write(
        ".aws/credentials",
        "[local]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n");
    SqsSettings keyed = locate(env("AWS_PROFILE", "local")).orElseThrow();

    assertThat(SqsClients.credentials(none).resolveCredentials().accessKeyId()).isEqualTo("fanout");
    assertThat(SqsClients.credentials(keyed).resolveCredentials().accessKeyId())
        .isEqualTo("AKIDPROFILE");
    assertThat(keyed.description()).doesNotContain("AKIDPROFILE").doesNotContain("profile-secret");
  }

  @Test
  void aProfileNamedButNotThereIsAnErrorNamingAwsProfile() throws IOException {
    Path config = write(".aws/config", "[profile dev]\nregion = eu-west-1\n");

    assertThatThrownBy(() -> AwsProfile.from(env("AWS_PROFILE", "dve")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("AWS_PROFILE: no profile \"dve\" in " + config);
  }

  @Test
  void aConfigFileNamedButNotThereIsAnErrorNamingAwsConfigFile() {
    Path missing = home.resolve("nope");

    assertThatThrownBy(() -> AwsProfile.from(env("AWS_CONFIG_FILE", missing.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("AWS_CONFIG_FILE: no such file: " + missing);
  }

  @Test
  void aConfigFileThatIsNotOneIsAnErrorSayingWhere() throws IOException {
    Path config = write(".aws/config", "[profile dev]\nregion\n");

    assertThatThrownBy(() -> AwsProfile.from(env()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("AWS_CONFIG_FILE: cannot read " + config + ": ")
        .hasMessageContaining("line 2");
  }

  @Test
  void aProfileEndpointThatIsNoHttpUrlIsAnErrorNamingTheProfile() throws IOException {
    Path config = write(".aws/config", "[default]\nendpoint_url = localhost:4566\n");

    assertThatThrownBy(() -> locate(env()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "the endpoint_url of profile 'default' in "
                + config
                + " must be an http(s) URL, was \"localhost:4566\"");
  }

  private Optional<SqsSettings> locate(Env env) {
    return new SqsLocator(env, AwsProfile.from(env))
        .locate(NAMES, SqsLocator.hasAwsWorkloadIdentity(env));
  }

  private Env env(String... pairs) {
    return new TestHome(home).env(pairs);
  }

  private Path write(String relative, String content) throws IOException {
    return new TestHome(home).write(relative, content);
  }

  /**
   * Where the SDK looks for the EC2 instance metadata service while it is open: a port that counts
   * connections and answers none, so a lookup fails (after the SDK's retries) and is seen.
   */
  static final class MetadataService implements AutoCloseable {
    private static final String ENDPOINT =
        SdkSystemSetting.AWS_EC2_METADATA_SERVICE_ENDPOINT.property();
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger calls = new AtomicInteger();

    MetadataService() throws IOException {
      Thread accepting =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket ignored = socket.accept()) {
                    calls.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "metadata-service");
      accepting.setDaemon(true);
      accepting.start();
      System.setProperty(ENDPOINT, "http://127.0.0.1:" + socket.getLocalPort());
    }

    int calls() {
      return calls.get();
    }

    @Override
    public void close() throws IOException {
      System.clearProperty(ENDPOINT);
      socket.close();
    }
  }
}
