package dev.fanout.common.status;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/**
 * Records a Kubernetes Event on a Job each time its phase changes, so that {@code kubectl describe
 * fjob} tells its story; {@link JobStatusWriter} calls it. Best effort: the status holds the truth.
 */
final class JobEvents {
  private final EventRecorder recorder;

  JobEvents(KubernetesClient client) {
    this.recorder = new EventRecorder(client);
  }

  /** A Normal event, or Warning for Failed; the reason is the condition's, else the phase. */
  void phaseChanged(Job job, JobPhase phase, String conditionReason, String detail, Instant now) {
    String reason = conditionReason != null ? conditionReason : phase.name();
    String message = detail == null ? "Job is " + phase : phase + ": " + detail;
    recorder.record(job, phase == JobPhase.Failed, reason, message, now);
  }
}
