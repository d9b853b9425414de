package dev.fanout.common.status;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a Kubernetes Event on a Job each time its phase changes, so that {@code kubectl describe
 * fjob} tells its story; {@link JobStatusWriter} calls it. Events are best effort: one that cannot
 * be written is logged and the reconcile goes on (the status holds the truth).
 */
final class JobEvents {
  private static final Logger log = LoggerFactory.getLogger(JobEvents.class);
  static final String COMPONENT = "fanout-operator";

  private final KubernetesClient client;
  private final String instance;

  JobEvents(KubernetesClient client) {
    this.client = client;
    this.instance = System.getenv().getOrDefault("HOSTNAME", COMPONENT);
  }

  /** A Normal event, or Warning for Failed; the reason is the condition's, else the phase. */
  void phaseChanged(Job job, JobPhase phase, String conditionReason, String detail, Instant now) {
    String reason = conditionReason != null ? conditionReason : phase.name();
    String message = detail == null ? "Job is " + phase : phase + ": " + detail;
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(job.getMetadata().getNamespace())
            // As client-go's recorder names them: unique per Job and moment.
            .withName(job.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli()))
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(job.getApiVersion())
            .withKind(job.getKind())
            .withNamespace(job.getMetadata().getNamespace())
            .withName(job.getMetadata().getName())
            .withUid(job.getMetadata().getUid())
            .withResourceVersion(job.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withType(phase == JobPhase.Failed ? "Warning" : "Normal")
            .withReason(reason)
            .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
            .withFirstTimestamp(time)
            .withLastTimestamp(time)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(job.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn("Job {}: cannot record event {} ({})", job.ref(), reason, e.getMessage());
    }
  }
}
