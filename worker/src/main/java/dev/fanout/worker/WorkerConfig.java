package dev.fanout.worker;

import dev.fanout.api.JobSpec;
import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.LogSettings;
import dev.fanout.common.config.Setting;
import dev.fanout.common.queue.AwsProfile;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsLocator;
import dev.fanout.common.queue.SqsSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The worker's settings, read once from the environment in {@link Main}. {@link #SETTINGS} is the
 * one list of them; docs/api.md and the chart's values.yaml mirror it.
 *
 * @param namespaces the namespaces whose Jobs the informer caches; empty means all
 * @param execEnabled whether this worker runs the built-in {@code exec} handler's commands
 */
public record WorkerConfig(
    SqsSettings sqs,
    String pool,
    int concurrency,
    int httpPort,
    List<String> namespaces,
    Duration statusFlush,
    Duration shutdownGrace,
    int receiveWaitSeconds,
    String workerId,
    boolean execEnabled) {

  /**
   * When the AWS SDK finds neither an SQS endpoint nor a region, the operator serves an embedded
   * queue (see FANOUT_SQS_EMBEDDED); a worker next to it finds it here. In a cluster, the chart
   * sets AWS_ENDPOINT_URL_SQS to the operator's Service instead.
   */
  public static final URI EMBEDDED_QUEUE = URI.create("http://localhost:9324");

  /** Common's setting, with the worker's own default spelled out for the docs. */
  public static final Setting SQS_ENDPOINT =
      new Setting(
          SqsSettings.ENDPOINT.name(),
          EMBEDDED_QUEUE + " when the AWS SDK finds no other endpoint and no region",
          "SQS endpoint URL (the operator's embedded queue, ElasticMQ, LocalStack); with only"
              + " a region, AWS SQS in that region");

  public static final Setting KUBECONFIG =
      new Setting(
          "KUBECONFIG", "", "which Kubernetes API; fabric8's own lookup (in-cluster, ~/.kube)");
  public static final Setting POOL =
      new Setting("FANOUT_POOL", JobSpec.DEFAULT_POOL, "which pool's queue this worker serves");
  public static final Setting CONCURRENCY =
      new Setting("FANOUT_WORKER_CONCURRENCY", "4", "tasks one worker runs at once (1..1000)");
  public static final Setting HTTP_PORT =
      new Setting("FANOUT_HTTP_PORT", "8081", "port of /healthz, /readyz and /metrics");
  public static final Setting NAMESPACES =
      new Setting(
          "FANOUT_NAMESPACES",
          "",
          "comma-separated namespaces whose Jobs the worker caches; empty: all namespaces");
  public static final Setting STATUS_FLUSH_MS =
      new Setting(
          "FANOUT_STATUS_FLUSH_MS",
          "250",
          "how often finished tasks are written to their Job's status (or every 100 tasks)");
  public static final Setting SHUTDOWN_GRACE_SECONDS =
      new Setting(
          "FANOUT_SHUTDOWN_GRACE_SECONDS",
          "30",
          "on SIGTERM, how long running tasks may finish before they are stopped and handed back to"
              + " the queue, their attempt not counted");
  public static final Setting RECEIVE_WAIT_SECONDS =
      new Setting(
          "FANOUT_RECEIVE_WAIT_SECONDS",
          "20",
          "how long one long poll waits for messages (1..20); shutdown waits for the last one");
  public static final Setting WORKER_ID =
      new Setting(
          "FANOUT_WORKER_ID",
          "the host name (the pod's name)",
          "names this worker in the outcomes it reports");
  public static final Setting EXEC_ENABLED =
      new Setting(
          "FANOUT_EXEC_ENABLED",
          "true",
          "false: tasks of exec Jobs fail at once (reason ExecDisabled) and no command runs");

  /** Every setting, in the order the docs list them. */
  public static final List<Setting> SETTINGS =
      List.of(
          KUBECONFIG,
          SQS_ENDPOINT,
          SqsSettings.GENERIC_ENDPOINT,
          SqsSettings.REGION,
          AwsProfile.PROFILE,
          AwsProfile.CONFIG_FILE,
          AwsProfile.CREDENTIALS_FILE,
          SqsSettings.PREFIX,
          POOL,
          CONCURRENCY,
          HTTP_PORT,
          LogSettings.LEVEL,
          LogSettings.FORMAT,
          NAMESPACES,
          STATUS_FLUSH_MS,
          SHUTDOWN_GRACE_SECONDS,
          RECEIVE_WAIT_SECONDS,
          WORKER_ID,
          EXEC_ENABLED);

  private static final Pattern POOL_NAME = Pattern.compile(JobSpec.POOL_PATTERN);
  private static final Pattern NAMESPACE_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

  public WorkerConfig {
    namespaces = List.copyOf(namespaces);
  }

  /**
   * Reads and checks every setting.
   *
   * @throws ConfigException naming the first bad variable and what is wrong with it
   */
  public static WorkerConfig from(Env env) {
    LogSettings.check(env);
    SqsSettings sqs = queue(env, SqsSettings.queueNames(env));
    String pool = env.string(POOL, JobSpec.DEFAULT_POOL);
    if (!POOL_NAME.matcher(pool).matches()) {
      throw new ConfigException(
          POOL,
          "must be 1 to 40 lower-case letters, digits or '-', starting and ending with a letter"
              + " or digit, was \""
              + pool
              + "\"");
    }
    List<String> namespaces = env.list(NAMESPACES);
    for (String namespace : namespaces) {
      if (!NAMESPACE_NAME.matcher(namespace).matches()) {
        throw new ConfigException(
            NAMESPACES, "\"" + namespace + "\" is not a valid namespace name");
      }
    }
    return new WorkerConfig(
        sqs,
        pool,
        env.integer(CONCURRENCY, 4, 1, 1000),
        env.integer(HTTP_PORT, 8081, 0, 65535),
        namespaces,
        Duration.ofMillis(env.integer(STATUS_FLUSH_MS, 250, 10, 60_000)),
        Duration.ofSeconds(env.integer(SHUTDOWN_GRACE_SECONDS, 30, 0, 3600)),
        env.integer(RECEIVE_WAIT_SECONDS, 20, 1, 20),
        env.string(WORKER_ID, defaultWorkerId()),
        env.bool(EXEC_ENABLED, true));
  }

  /**
   * The SQS the AWS SDK finds, else the operator's embedded queue. As for the operator, the EC2
   * instance metadata service is asked for a region only in a pod with an AWS workload identity:
   * elsewhere it would slow every start that ends on the embedded queue anyway.
   */
  private static SqsSettings queue(Env env, QueueNames names) {
    return new SqsLocator(env, AwsProfile.from(env))
        .locate(names, SqsLocator.hasAwsWorkloadIdentity(env))
        .orElseGet(
            () ->
                SqsSettings.ownQueue(
                    EMBEDDED_QUEUE,
                    names,
                    EMBEDDED_QUEUE
                        + ", the operator's embedded queue (no SQS endpoint or AWS region"
                        + " configured)"));
  }

  private static String defaultWorkerId() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "worker-" + UUID.randomUUID().toString().substring(0, 8);
    }
  }
}
