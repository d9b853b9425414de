package dev.fanout.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one active operator through a Lease, always: whatever the replica count, only the leader
 * reconciles, fans out and drains. A clean stop releases the Lease so a successor leads at once; a
 * killed leader's Lease expires after {@link #LEASE_DURATION}, unless it comes back under the same
 * identity (a restarted container of the same pod), which takes the Lease straight back.
 */
final class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);
  static final String LEASE_NAME = "fanout-operator";
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  private static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final Runnable onStart;
  private final Runnable onLost;
  private final ExecutorService elector =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("leader-", 0).factory());
  private final AtomicBoolean leading = new AtomicBoolean();
  private volatile boolean closing;
  private CompletableFuture<?> election;

  /**
   * @param onStart runs once this operator leads, off the elector's thread
   * @param onLost runs when leadership is lost other than by {@link #close()}
   */
  Leadership(
      KubernetesClient client,
      String namespace,
      String identity,
      Runnable onStart,
      Runnable onLost) {
    this.client = client;
    this.namespace = namespace;
    this.identity = identity;
    this.onStart = onStart;
    this.onLost = onLost;
  }

  /** Stands for election; again after a loss, with a new elector. */
  synchronized void start() {
    if (closing) {
      return;
    }
    log.info(
        "Leader election: Lease {}/{} as {}; standing by until it is ours",
        namespace,
        LEASE_NAME,
        identity);
    LeaderElectionConfig config =
        new LeaderElectionConfig(
            new LeaseLock(namespace, LEASE_NAME, identity),
            LEASE_DURATION,
            RENEW_DEADLINE,
            RETRY_PERIOD,
            new LeaderCallbacks(this::started, this::stopped, this::newLeader),
            true,
            LEASE_NAME);
    election =
        new io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder(
                client, elector)
            .withConfig(config)
            .build()
            .start();
  }

  boolean leading() {
    return leading.get();
  }

  private void started() {
    if (leading.compareAndSet(false, true)) {
      log.info("Leading as {}", identity);
      Thread.ofPlatform().name("leader-start").start(onStart);
    }
  }

  private void stopped() {
    if (leading.compareAndSet(true, false) && !closing) {
      log.error("Lost the leadership (Lease {}/{}) as {}", namespace, LEASE_NAME, identity);
      onLost.run();
    }
  }

  private void newLeader(String leader) {
    if (!identity.equals(leader)) {
      log.info("The leader is {}", leader);
    }
  }

  /** Gives the Lease up, so that another operator may lead at once. */
  @Override
  public synchronized void close() {
    closing = true;
    if (election != null) {
      election.cancel(true);
    }
    elector.shutdown();
  }
}
