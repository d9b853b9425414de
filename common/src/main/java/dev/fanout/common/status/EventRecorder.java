package dev.fanout.common.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events on objects, as client-go's recorder does, for {@code kubectl describe}.
 * Events are best effort: one that cannot be written is logged and the caller goes on.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  public static final String COMPONENT = "fanout-operator";
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final String instance;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
    this.instance = System.getenv().getOrDefault("HOSTNAME", COMPONENT);
  }

  /**
   * @param warning a Warning event, else Normal
   */
  public void record(
      HasMetadata object, boolean warning, String reason, String message, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    String namespace = object.getMetadata().getNamespace();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withNamespace(namespace)
            // As client-go's recorder names them: unique per object and moment.
            .withName(object.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli()))
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(object.getApiVersion())
            .withKind(object.getKind())
            .withNamespace(namespace)
            .withName(object.getMetadata().getName())
            .withUid(object.getMetadata().getUid())
            .withResourceVersion(object.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withType(warning ? "Warning" : "Normal")
            .withReason(reason)
            .withMessage(
                message.length() > MAX_MESSAGE
                    ? message.substring(0, MAX_MESSAGE - 3) + "..."
                    : message)
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
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn(
          "{} {}/{}: cannot record event {} ({})",
          object.getKind(),
          namespace,
          object.getMetadata().getName(),
          reason,
          e.getMessage());
    }
  }
}
