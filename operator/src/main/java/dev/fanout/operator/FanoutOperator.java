package dev.fanout.operator;

import dev.fanout.api.Job;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.status.JobStatusWriter;
import dev.fanout.operator.console.ConsoleServer;
import dev.fanout.operator.db.Database;
import dev.fanout.operator.db.TaskPages;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.queue.DeadLetterDrain;
import dev.fanout.operator.queue.OutcomeDrain;
import dev.fanout.operator.queue.PoolQueues;
import dev.fanout.operator.queue.QueueAdmin;
import dev.fanout.operator.queue.QueueLoss;
import dev.fanout.operator.queue.TaskFanout;
import dev.fanout.operator.reconcile.JobReconciler;
import dev.fanout.operator.scale.PoolScaler;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.HashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The operator's parts wired together: the embedded queue (if configured), the database, the SQS
 * client, the JOSDK controller, and the outcome drain. Main runs one; tests run several.
 */
public final class FanoutOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FanoutOperator.class);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private EmbeddedSqsServer embeddedSqs;
  private Database database;
  private SqsClient sqs;
  private QueueAdmin queues;
  private TaskFanout fanout;
  private OutcomeDrain outcomes;
  private DeadLetterDrain deadLetters;
  private Operator operator;
  private ConsoleServer console;
  private TaskStore store;
  private Leadership leadership;
  private PoolQueues pools;
  private PoolScaler scaler;
  private final Runnable onLostLeadership;
  private volatile boolean closed;
  private volatile boolean controllerStarted;
  private volatile String databaseProblem = "database not opened yet";

  /**
   * @param onLostLeadership what to do when another operator took over: the program exits (to be
   *     restarted as a standby), a test may close this one
   */
  public FanoutOperator(OperatorConfig config, KubernetesClient client, Runnable onLostLeadership) {
    this.config = config;
    this.client = client;
    this.onLostLeadership = onLostLeadership;
    // As the worker does: heap and threads on /metrics, to size the operator's pod by.
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  /**
   * Starts every part; returns once this operator stands for election. The database is waited for
   * (not ready meanwhile, never a crash loop); the controller, the fan-out and the drains start
   * only once this operator leads.
   */
  public FanoutOperator start() {
    log.info("Starting the Fanout operator: {}", config);
    log.info("queue: {}", config.sqs().description());
    database = awaitDatabase();
    if (database == null) {
      return this;
    }
    store = new TaskStore(database);
    startConsole();
    sqs = SqsClients.create(config.sqs(), 64);
    queues = new QueueAdmin(sqs, config.sqs().names(), config.maxReceiveCount());
    fanout =
        new TaskFanout(store, queues, sqs, registry, Clock.systemUTC(), config.fairShareSeconds());
    queues.onNewQueue(new QueueLoss(store, Clock.systemUTC(), fanout::wake));
    JobStatusWriter statusWriter = new JobStatusWriter(client, registry);
    outcomes =
        new OutcomeDrain(sqs, queues, store, registry, fanout::wake, fanout::observeDuration);
    deadLetters =
        new DeadLetterDrain(
            sqs,
            queues,
            store,
            statusWriter,
            config.maxReceiveCount(),
            registry,
            Clock.systemUTC());
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false)
                    .withStopOnInformerErrorDuringStartup(true));
    JobReconciler reconciler =
        new JobReconciler(client, statusWriter, store, queues, fanout, registry, Clock.systemUTC());
    operator.register(
        reconciler,
        o -> {
          o.withRetry(JobReconciler.RETRY);
          if (!config.namespaces().isEmpty()) {
            o.settingNamespaces(new HashSet<>(config.namespaces()));
          }
        });
    synchronized (this) {
      if (closed) {
        return this;
      }
      leadership =
          new Leadership(
              client, leaseNamespace(), config.identity(), this::lead, this::lostLeadership);
      leadership.start();
    }
    return this;
  }

  /**
   * The console and its API, on every replica (it only reads, and creates Jobs as the user), so a
   * Service may send requests to any of them.
   */
  private void startConsole() {
    if (config.consolePort() == 0) {
      return;
    }
    try {
      console =
          ConsoleServer.start(
              config.consolePort(),
              config.consoleAuth(),
              client,
              config.namespaces(),
              new TaskPages(database.dataSource()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve the console on port " + config.consolePort() + ": " + e.getMessage(), e);
    }
  }

  /** The leader's work: the pools' queues, the drains, the controller. */
  private synchronized void lead() {
    if (closed || controllerStarted) {
      return;
    }
    try {
      startLeading();
    } catch (RuntimeException e) {
      // Holding the Lease and doing nothing would keep a standby from taking over: give up.
      log.error("Cannot start the leader's work: {}", e.toString(), e);
      onLostLeadership.run();
    }
  }

  private void startLeading() {
    if (config.sqsEmbedded()) {
      // The leader's alone: a standby serving an empty queue of its own would be ready, and a
      // Service would send workers to it.
      embeddedSqs = EmbeddedSqsServer.start("0.0.0.0", config.sqsEmbeddedPort());
      log.info("Serving an embedded SQS queue (ElasticMQ) on port {}", embeddedSqs.port());
    }
    pools = new PoolQueues(queues, config.pools());
    pools.start();
    outcomes.start(2);
    deadLetters.start();
    operator.start();
    scaler =
        new PoolScaler(
                client,
                config.workersNamespace() != null ? config.workersNamespace() : leaseNamespace(),
                config.namespaces(),
                config.pools(),
                queues,
                registry,
                Clock.systemUTC())
            .start();
    controllerStarted = true;
    log.info("Reconciling Jobs as the leader");
  }

  /**
   * The Lease could not be renewed in time (the API server away for a while) or another operator
   * took it. With the embedded queue or an H2 file, no other operator can serve this install: this
   * one keeps working and stands again, rather than exit and lose the queue held in its memory.
   * Otherwise it exits, to be restarted as a standby: two leaders would send every task twice.
   */
  private void lostLeadership() {
    if (config.sqsEmbedded() || config.dbUrl().startsWith("jdbc:h2:")) {
      log.warn(
          "Lost the Lease; this install has one operator (embedded queue or H2): working on and"
              + " standing again");
      synchronized (this) {
        if (!closed) {
          leadership.start();
        }
      }
      return;
    }
    onLostLeadership.run();
  }

  /** True once this operator leads and its controller runs. */
  public boolean leading() {
    return leadership != null && leadership.leading();
  }

  private String leaseNamespace() {
    if (config.leaseNamespace() != null) {
      return config.leaseNamespace();
    }
    String ns = client.getConfiguration().getNamespace();
    return ns == null ? "default" : ns;
  }

  /**
   * Opens the database, trying again every few seconds while it is away (or its schema cannot be
   * migrated yet); readiness says why meanwhile. Null when the operator was closed first.
   */
  private Database awaitDatabase() {
    boolean warned = false;
    while (!closed) {
      try {
        Database opened = new Database(config.dbUrl(), config.dbUser(), config.dbPassword());
        databaseProblem = null;
        if (warned) {
          log.info("The database answers now");
        }
        return opened;
      } catch (RuntimeException e) {
        databaseProblem = "database: " + OperatorConfig.redactUrl(String.valueOf(rootMessage(e)));
        if (!warned) {
          log.warn("Cannot open the database ({}); trying again every 2 s", databaseProblem);
          warned = true;
        }
      }
      try {
        Thread.sleep(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public TaskStore store() {
    return store;
  }

  public QueueAdmin queues() {
    return queues;
  }

  /** Null when the API server, the database and the queue all answer; else what does not. */
  public String problem() {
    try {
      var jobs = client.resources(Job.class);
      var listOne = new ListOptionsBuilder().withLimit(1L).build();
      // Only what RBAC grants: with watched namespaces, the operator may not list cluster-wide.
      if (config.namespaces().isEmpty()) {
        jobs.inAnyNamespace().list(listOne);
      } else {
        jobs.inNamespace(config.namespaces().get(0)).list(listOne);
      }
    } catch (RuntimeException e) {
      return "Kubernetes API: " + e.getMessage();
    }
    Database db0 = database;
    String db = db0 == null ? databaseProblem : db0.problem();
    if (db != null) {
      return db;
    }
    if (queues == null) {
      return "starting";
    }
    try {
      queues.outcomeQueue();
      sqs.getQueueAttributes(b -> b.queueUrl(queues.outcomeQueue()));
    } catch (RuntimeException e) {
      return "SQS: " + e.getMessage();
    }
    return null;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    log.info("Stopping the Fanout operator");
    if (console != null) {
      console.close();
    }
    if (controllerStarted) {
      operator.stop();
    }
    if (scaler != null) {
      scaler.close();
    }
    if (pools != null) {
      pools.close();
    }
    if (outcomes != null) {
      outcomes.close();
    }
    if (deadLetters != null) {
      deadLetters.close();
    }
    if (fanout != null) {
      fanout.close();
    }
    if (sqs != null) {
      sqs.close();
    }
    if (database != null) {
      database.close();
    }
    if (embeddedSqs != null) {
      embeddedSqs.close();
    }
    // Last: a standby leads as soon as the Lease is free, and must not meet this one's work.
    if (leadership != null) {
      leadership.close();
    }
  }
}
