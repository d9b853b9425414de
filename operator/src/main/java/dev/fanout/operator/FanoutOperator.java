package dev.fanout.operator;

import dev.fanout.api.Job;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.status.JobStatusPatcher;
import dev.fanout.operator.db.Database;
import dev.fanout.operator.db.TaskStore;
import dev.fanout.operator.queue.DeadLetterDrain;
import dev.fanout.operator.queue.OutcomeDrain;
import dev.fanout.operator.queue.QueueAdmin;
import dev.fanout.operator.queue.TaskFanout;
import dev.fanout.operator.reconcile.JobReconciler;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
  private TaskStore store;

  public FanoutOperator(OperatorConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
    // As the worker does: heap and threads on /metrics, to size the operator's pod by.
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  /** Starts every part; returns once the controller runs. */
  public FanoutOperator start() {
    log.info("Starting the Fanout operator: {}", config);
    if (config.sqsEmbedded()) {
      embeddedSqs = EmbeddedSqsServer.start("0.0.0.0", config.sqsEmbeddedPort());
      log.info("Serving an embedded SQS queue (ElasticMQ) on port {}", embeddedSqs.port());
    }
    database = new Database(config.dbUrl(), config.dbUser(), config.dbPassword());
    store = new TaskStore(database);
    sqs = SqsClients.create(config.sqs(), 64);
    queues = new QueueAdmin(sqs, config.sqs().names(), config.maxReceiveCount());
    fanout = new TaskFanout(store, queues, sqs, registry, Clock.systemUTC());
    outcomes = new OutcomeDrain(sqs, queues, store, registry);
    outcomes.start(2);
    deadLetters =
        new DeadLetterDrain(
            sqs,
            queues,
            store,
            new JobStatusPatcher(client, registry),
            config.maxReceiveCount(),
            registry,
            Clock.systemUTC());
    deadLetters.start();
    operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(true);
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            "fanout-operator")
                        .withLeaseNamespace(config.leaseNamespace())
                        .build());
              }
            });
    JobReconciler reconciler =
        new JobReconciler(client, store, queues, fanout, registry, Clock.systemUTC());
    operator.register(
        reconciler,
        o -> {
          if (!config.namespaces().isEmpty()) {
            o.settingNamespaces(new HashSet<>(config.namespaces()));
          }
        });
    operator.start();
    return this;
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
    String db = database == null ? "database not started" : database.problem();
    if (db != null) {
      return db;
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
    log.info("Stopping the Fanout operator");
    if (operator != null) {
      operator.stop();
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
  }
}
