package dev.fanout.bench;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the Jobs as a user's {@code kubectl get fjob -w} would: when each reached a phase, when
 * its first finished index showed in the status, and the largest status it had.
 */
final class JobWatch implements AutoCloseable {
  private final SharedIndexInformer<Job> informer;
  private final Map<String, Track> tracks = new ConcurrentHashMap<>();

  /** What was seen of one Job; times are {@link System#nanoTime()} and the wall clock. */
  static final class Track {
    volatile Job last;
    volatile long succeededNanos;
    volatile Instant firstIndexAt;
    volatile int maxStatusBytes;
  }

  JobWatch(KubernetesClient client) {
    informer =
        client
            .resources(Job.class)
            .inNamespace("default")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job job) {
                    seen(job);
                  }

                  @Override
                  public void onUpdate(Job old, Job job) {
                    seen(job);
                  }

                  @Override
                  public void onDelete(Job job, boolean unknownFinalState) {}
                },
                0);
  }

  private void seen(Job job) {
    long now = System.nanoTime();
    Instant wall = Instant.now();
    Track track = track(job.getMetadata().getName());
    JobStatus status = job.getStatus();
    track.last = job;
    if (status != null) {
      track.maxStatusBytes = Math.max(track.maxStatusBytes, statusBytes(job));
      if (track.firstIndexAt == null && status.getCompletedIndexes() != null) {
        track.firstIndexAt = wall;
      }
      if (status.getPhase() == JobPhase.Succeeded && track.succeededNanos == 0) {
        track.succeededNanos = now;
      }
    }
    synchronized (this) {
      notifyAll();
    }
  }

  Track track(String name) {
    return tracks.computeIfAbsent(name, n -> new Track());
  }

  /** The status as the API server stores it, in bytes of JSON. */
  static int statusBytes(Job job) {
    return job.getStatus() == null
        ? 0
        : Serialization.asJson(job.getStatus()).getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Waits for the Job to succeed; returns the {@link System#nanoTime()} at which that was seen.
   *
   * @throws IllegalStateException when it fails, or is still unfinished after {@code timeout}
   */
  long awaitSucceeded(String name, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Track track = track(name);
    synchronized (this) {
      while (track.succeededNanos == 0) {
        Job job = track.last;
        if (job != null
            && job.getStatus() != null
            && job.getStatus().getPhase() == JobPhase.Failed) {
          throw new IllegalStateException("Job " + name + " failed: " + describe(job));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "Job " + name + " did not succeed within " + timeout + ": " + describe(job));
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
    return track.succeededNanos;
  }

  private static String describe(Job job) {
    if (job == null || job.getStatus() == null) {
      return "no status yet";
    }
    JobStatus s = job.getStatus();
    return s.getPhase()
        + " "
        + s.getProgress()
        + (s.getConditions() == null ? "" : " " + Serialization.asJson(s.getConditions()));
  }

  @Override
  public void close() {
    informer.close();
  }
}
