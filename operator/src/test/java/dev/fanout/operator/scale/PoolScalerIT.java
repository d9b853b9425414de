package dev.fanout.operator.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.common.queue.EmbeddedSqsServer;
import dev.fanout.common.queue.QueueNames;
import dev.fanout.common.queue.SqsClients;
import dev.fanout.common.queue.SqsSettings;
import dev.fanout.common.testing.MockKube;
import dev.fanout.operator.queue.QueueAdmin;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What the scaler leaves alone, against the mock API server in CRUD mode and a real ElasticMQ. The
 * scaling itself is checked on the real API server (kube-tests' AutoscalingIT): the mock's scale
 * subresource does not keep the Deployment (a GET after the PUT finds none).
 */
class PoolScalerIT {
  private static final String NS = "fanout-system";

  private final MockKube kube = new MockKube();
  private final KubernetesClient client = kube.client();
  private final EmbeddedSqsServer sqsServer = EmbeddedSqsServer.start("127.0.0.1", 0);
  private final SqsClient sqs =
      SqsClients.create(new SqsSettings(sqsServer.endpoint(), null, new QueueNames("scaler-")), 4);
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Instant now = Instant.parse("2026-12-03T00:00:00Z");
  private PoolScaler scaler;

  @BeforeEach
  void start() {
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now;
          }
        };
    scaler =
        new PoolScaler(
            client,
            NS,
            List.of(),
            List.of("default"),
            new QueueAdmin(sqs, new QueueNames("scaler-"), 10),
            registry,
            clock);
    scaler.watchJobs();
  }

  @AfterEach
  void stop() {
    scaler.close();
    sqs.close();
    sqsServer.close();
    kube.close();
  }

  private Deployment deployment(String name, String pool, Map<String, String> annotations) {
    return client
        .apps()
        .deployments()
        .inNamespace(NS)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(Map.of(ScalePolicy.POOL_LABEL, pool))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withNewSelector()
                .withMatchLabels(Map.of("app", name))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Map.of("app", name))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("worker")
                .withImage("fanout-worker")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  private void runningJob(String name, String pool, int total, int done, Integer parallelism) {
    Job job = DemandTest.job(pool, JobPhase.Running, total, done, 0);
    job.getMetadata().setName(name);
    job.getSpec().setParallelism(parallelism);
    var status = job.getStatus();
    job.setStatus(null);
    Job created = client.resources(Job.class).inNamespace("default").resource(job).create();
    created.setStatus(status);
    client.resources(Job.class).inNamespace("default").resource(created).updateStatus();
  }

  private int replicas(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get().getSpec().getReplicas();
  }

  private List<String> events(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  @Test
  void aDeploymentWithoutTheAnnotationOrOfAnotherPoolIsLeftAlone() {
    deployment("manual", "default", Map.of());
    deployment("gpu", "gpu", Map.of(ScalePolicy.AUTOSCALE, "true"));
    runningJob("work", "default", 100, 0, null);
    for (int i = 0; i < 3; i++) {
      scaler.pass();
    }
    assertThat(replicas("manual")).isZero();
    assertThat(replicas("gpu")).isZero();
  }

  @Test
  void aBadAnnotationIsAWarningEventOnceAndNoScaling() {
    deployment(
        "workers", "default", Map.of(ScalePolicy.AUTOSCALE, "true", ScalePolicy.MAX_REPLICAS, "x"));
    runningJob("work", "default", 100, 0, null);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              scaler.pass();
              return !events("workers").isEmpty();
            });
    scaler.pass();
    scaler.pass();
    assertThat(events("workers"))
        .containsExactly(
            "InvalidAutoscaling: Not scaled: fanout.dev/max-replicas must be an integer, was"
                + " \"x\"");
    Event event = client.v1().events().inNamespace(NS).list().getItems().get(0);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(replicas("workers")).isZero();
  }
}
