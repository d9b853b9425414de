package dev.fanout.operator;

import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.LogSettings;
import dev.fanout.common.config.Setting;
import dev.fanout.common.queue.AwsProfile;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsLocator;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.operator.console.ConsoleAuth;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The operator's settings, read once from the environment. Each is declared here: variable,
 * default, meaning; docs/configuration.md and the chart's values.yaml mirror this list.
 */
public record OperatorConfig(
    List<String> namespaces,
    String dbUrl,
    String dbUser,
    String dbPassword,
    SqsSettings sqs,
    boolean sqsEmbedded,
    int sqsEmbeddedPort,
    int httpPort,
    int maxReceiveCount,
    List<String> pools,
    String leaseNamespace,
    String identity,
    String workersNamespace,
    int consolePort,
    ConsoleAuth consoleAuth) {

  public static final Setting NAMESPACES =
      new Setting("FANOUT_NAMESPACES", "all namespaces", "comma-separated namespaces to watch");
  public static final Setting DB_URL =
      new Setting(
          "FANOUT_DB_URL",
          "an H2 file database under ./data",
          "task rows: jdbc:h2:... or jdbc:postgresql://...");
  public static final Setting DB_USER = new Setting("FANOUT_DB_USER", "", "database user");
  public static final Setting DB_PASSWORD =
      new Setting("FANOUT_DB_PASSWORD", "", "database password (never logged)");
  public static final Setting SQS_EMBEDDED =
      new Setting(
          "FANOUT_SQS_EMBEDDED",
          "true when the AWS SDK finds no SQS endpoint and no region",
          "serve an embedded SQS-compatible queue (ElasticMQ) from the operator process; false:"
              + " AWS SQS or the configured endpoint, never the embedded queue");
  public static final Setting SQS_EMBEDDED_PORT =
      new Setting("FANOUT_SQS_EMBEDDED_PORT", "9324", "the embedded queue's port");
  public static final Setting HTTP_PORT =
      new Setting("FANOUT_HTTP_PORT", "8080", "/healthz, /readyz, /metrics");
  public static final Setting MAX_RECEIVE_COUNT =
      new Setting(
          "FANOUT_MAX_RECEIVE_COUNT",
          "100",
          "deliveries after which SQS moves a message to the pool's dead-letter queue");
  public static final Setting POOLS =
      new Setting(
          "FANOUT_POOLS",
          "default",
          "comma-separated pools whose queues the operator creates as it starts");
  public static final Setting LEASE_NAMESPACE =
      new Setting(
          "POD_NAMESPACE",
          "the kubeconfig's namespace, else default",
          "namespace of the leader-election Lease (the chart sets the pod's own)");
  public static final Setting IDENTITY =
      new Setting(
          "FANOUT_OPERATOR_ID",
          "HOSTNAME (the pod's name), else the host name and process id",
          "this operator's name in the leader-election Lease; the same after a restart");

  public static final Setting WORKERS_NAMESPACE =
      new Setting(
          "FANOUT_WORKERS_NAMESPACE",
          "its own namespace in a pod (POD_NAMESPACE), else the kubeconfig's",
          "where the worker Deployments the operator may scale live");

  public static final Setting CONSOLE_PORT =
      new Setting(
          "FANOUT_CONSOLE_PORT", "8090", "the web console and its JSON API; 0 turns them off");
  public static final Setting CONSOLE_AUTH =
      new Setting(
          "FANOUT_CONSOLE_AUTH",
          "kubernetes",
          "kubernetes: every console request carries a Kubernetes bearer token, checked with a"
              + " TokenReview and SubjectAccessReviews; none: no check, bound to 127.0.0.1 only");

  public static final List<Setting> SETTINGS =
      List.of(
          NAMESPACES,
          DB_URL,
          DB_USER,
          DB_PASSWORD,
          SqsSettings.ENDPOINT,
          SqsSettings.GENERIC_ENDPOINT,
          SqsSettings.REGION,
          AwsProfile.PROFILE,
          AwsProfile.CONFIG_FILE,
          AwsProfile.CREDENTIALS_FILE,
          SQS_EMBEDDED,
          SQS_EMBEDDED_PORT,
          SqsSettings.PREFIX,
          HTTP_PORT,
          LogSettings.LEVEL,
          LogSettings.FORMAT,
          MAX_RECEIVE_COUNT,
          POOLS,
          LEASE_NAMESPACE,
          IDENTITY,
          WORKERS_NAMESPACE,
          CONSOLE_PORT,
          CONSOLE_AUTH);

  private static final java.util.regex.Pattern POOL =
      java.util.regex.Pattern.compile(dev.fanout.api.JobSpec.POOL_PATTERN);

  public static OperatorConfig from(Env env) {
    LogSettings.check(env);
    String dbUrl = env.string(DB_URL, "jdbc:h2:file:" + Path.of("data", "fanout").toAbsolutePath());
    if (!dbUrl.startsWith("jdbc:h2:") && !dbUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException(
          DB_URL, "must start with jdbc:h2: or jdbc:postgresql:, was \"" + redactUrl(dbUrl) + "\"");
    }
    int embeddedPort = env.integer(SQS_EMBEDDED_PORT, 9324, 1, 65535);
    QueueNames names = SqsSettings.queueNames(env);
    Queue queue = queue(env, names, embeddedPort);
    List<String> pools = env.list(POOLS);
    if (!env.isSet(POOLS)) {
      pools = List.of(dev.fanout.api.JobSpec.DEFAULT_POOL);
    }
    for (String pool : pools) {
      if (!POOL.matcher(pool).matches()) {
        throw new ConfigException(
            POOLS,
            "pool \""
                + pool
                + "\" must be 1-40 lowercase letters, digits or '-', starting and ending with a"
                + " letter or digit");
      }
    }
    return new OperatorConfig(
        env.list(NAMESPACES),
        dbUrl,
        env.raw(DB_USER),
        env.raw(DB_PASSWORD),
        queue.sqs(),
        queue.embedded(),
        embeddedPort,
        env.integer(HTTP_PORT, 8080, 0, 65535),
        env.integer(MAX_RECEIVE_COUNT, 100, 1, 1000),
        pools,
        env.raw(LEASE_NAMESPACE),
        identity(env),
        workersNamespace(env),
        env.integer(CONSOLE_PORT, 8090, 0, 65535),
        consoleAuth(env));
  }

  private static ConsoleAuth consoleAuth(Env env) {
    String value = env.string(CONSOLE_AUTH, "kubernetes");
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "kubernetes" -> ConsoleAuth.KUBERNETES;
      case "none" -> ConsoleAuth.NONE;
      default ->
          throw new ConfigException(
              CONSOLE_AUTH, "must be kubernetes or none, was \"" + value + "\"");
    };
  }

  private static String workersNamespace(Env env) {
    String ns = env.raw(WORKERS_NAMESPACE);
    if (ns == null) {
      return null;
    }
    if (!ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new ConfigException(
          WORKERS_NAMESPACE, "\"" + ns + "\" is not a namespace name (RFC 1123 label)");
    }
    return ns;
  }

  /**
   * The embedded queue when {@code FANOUT_SQS_EMBEDDED=true}, or when it is unset and the AWS SDK
   * finds neither an SQS endpoint nor a region; else the SQS the SDK finds.
   *
   * <p>The EC2 instance metadata service is asked for a region only once AWS is chosen: with {@code
   * FANOUT_SQS_EMBEDDED=false}, or in a pod with an AWS workload identity (IRSA, EKS Pod Identity,
   * ECS). Anywhere else it may take a second or more to give up, and the default install and the
   * sandbox, which set nothing, would start that much slower on every start.
   */
  private static Queue queue(Env env, QueueNames names, int embeddedPort) {
    Boolean forced = env.isSet(SQS_EMBEDDED) ? env.bool(SQS_EMBEDDED, true) : null;
    if (Boolean.TRUE.equals(forced)) {
      Optional<SqsLocator.Found<URI>> endpoint = SqsLocator.explicitEndpoint(env);
      if (endpoint.isPresent()) {
        throw new ConfigException(
            SQS_EMBEDDED, "is true but " + endpoint.get().source() + " is set too; choose one");
      }
      return embedded(names, embeddedPort, "FANOUT_SQS_EMBEDDED=true");
    }
    boolean awsChosen = Boolean.FALSE.equals(forced);
    Optional<SqsSettings> found =
        new SqsLocator(env, AwsProfile.from(env))
            .locate(names, awsChosen || SqsLocator.hasAwsWorkloadIdentity(env));
    if (found.isPresent()) {
      return new Queue(found.get(), false);
    }
    if (awsChosen) {
      throw new ConfigException(
          SQS_EMBEDDED,
          "is false but no SQS endpoint or AWS region is configured: set AWS_ENDPOINT_URL_SQS,"
              + " AWS_REGION, or a region in the AWS profile");
    }
    return embedded(names, embeddedPort, "no SQS endpoint or AWS region configured");
  }

  private record Queue(SqsSettings sqs, boolean embedded) {}

  private static Queue embedded(QueueNames names, int port, String why) {
    URI endpoint = URI.create("http://localhost:" + port);
    return new Queue(
        SqsSettings.ownQueue(endpoint, names, "embedded ElasticMQ on :" + port + " (" + why + ")"),
        true);
  }

  /** The pod's name keeps a restarted container the leader it was; elsewhere, host and pid. */
  private static String identity(Env env) {
    String id = env.raw(IDENTITY);
    if (id == null) {
      id = env.raw(new Setting("HOSTNAME", "", "the pod's name"));
    }
    if (id == null) {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        host = "localhost";
      }
      id = host + "-" + ProcessHandle.current().pid();
    }
    return id;
  }

  /** The URL with any password in it masked: for messages and logs. */
  public static String redactUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***")
        .replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@");
  }

  /** Everything but the password, for the start-up log line. */
  @Override
  public String toString() {
    return "namespaces="
        + (namespaces.isEmpty() ? "all" : namespaces)
        + " db="
        + redactUrl(dbUrl)
        + " queuePrefix="
        + sqs.names().prefix()
        + " httpPort="
        + httpPort
        + " pools="
        + pools
        + " identity="
        + identity
        + (workersNamespace == null ? "" : " workersNamespace=" + workersNamespace)
        + " console="
        + (consolePort == 0 ? "off" : consolePort + " auth=" + consoleAuth);
  }
}
