package dev.fanout.bench;

import dev.fanout.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogManager;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Runs every benchmark of docs/benchmarks.md in one go against the built jars, prints the table and
 * writes it, with the JSON, under bench/target. {@code scripts/bench.sh} builds and starts this.
 */
public final class Main {
  /** The operator's setting for how much of a pool's work one Job may queue; 0: all of it. */
  static final String FAIR_SHARE_SECONDS = "FANOUT_FAIR_SHARE_SECONDS";

  private Main() {}

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (Options.UsageException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("bench: " + e.getMessage());
      }
      System.err.print(Options.USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    Path runDir =
        Files.createDirectories(
            options
                .out()
                .resolve(
                    "run-"
                        + LocalDateTime.now()
                            .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    quietLibraries(runDir);
    Results results = run(options, runDir);
    String table = Report.table(results);
    Report.write(results, options.out());
    System.out.println();
    System.out.print(table);
    System.out.println();
    System.out.println(
        "Written to "
            + options.out().resolve("benchmarks.md")
            + " and benchmarks.json; logs in "
            + runDir);
  }

  static Results run(Options o, Path runDir) throws Exception {
    String loadAtStart = Machine.loadAverage();
    Progress progress = new Progress(System.out);
    progress.say(
        "Fanout benchmarks on %d cores, load average %s; run directory %s",
        Runtime.getRuntime().availableProcessors(), loadAtStart, runDir);
    List<String> jvmOptions = new ArrayList<>();
    Recording recording = null;
    if (o.jfr()) {
      jvmOptions.add("-XX:StartFlightRecording=filename={name}.jfr,settings=profile");
      // This JVM too: it serves the queue and the Kubernetes API.
      recording = new Recording(Configuration.getConfiguration("profile"));
      recording.setDestination(runDir.resolve("bench.jfr"));
      recording.start();
    }
    try (Rig rig = new Rig(o.root(), runDir, jvmOptions, o.concurrency(), o.operatorHeap())) {
      rig.startWorker(EndToEnd.POOL);
      Rig.Node operator = startOperator(rig, progress, Map.of());
      try (JobWatch watch = new JobWatch(rig.api().client())) {
        // The operator creates a pool's queue for its first Job; the worker waits for it.
        rig.create("first", "noop", 1, EndToEnd.POOL);
        rig.scaleWorkers(EndToEnd.POOL, 1);
        watch.awaitSucceeded("first", Rig.READY);
      }
      progress.say(
          "operator (pid %d) and a worker ready, a first Job done", operator.process().pid());

      QueueLimit raw = new QueueLimit(rig.sqs(), "raw-queue-limit");
      QueueLimit.Result queue =
          raw.measure(o.queueMessages(), Math.max(1000, o.queueMessages() / 2), new int[] {4, 8});
      progress.say(
          "(1) send-batch %,.0f msg/s; receive + delete-batch %s; queue limit %,.0f msg/s; CPU per"
              + " message %.2f ms",
          queue.sendBatch(),
          queue.drainByConsumers().entrySet().stream()
              .map(e -> String.format("%,.0f msg/s with %d consumers", e.getValue(), e.getKey()))
              .toList(),
          queue.limit(),
          queue.cpuMsPerMessage());

      try (JobWatch watch = new JobWatch(rig.api().client())) {
        EndToEnd.Result e2e =
            new EndToEnd(rig, watch, progress, raw).run(o.e2eTasks(), o.workerCounts());
        raw.delete();
        Latency.Result latency = new Latency(rig, watch, progress).run(o.latencyRuns());
        ExecCost.Result exec = new ExecCost(rig, watch, progress).run(o.execTasks());
        rig.stopWorkers(EndToEnd.POOL);
        // Every Fanout process idle (no workers, no Job running): the peer has the machine.
        Peer.Result peer =
            o.peer() == null
                ? Peer.Result.notRun(Options.PEERS.get(0))
                : new Peer(
                        o.peer(),
                        o.peerDir(),
                        o.out().resolve("peers").resolve(o.peer()),
                        runDir,
                        progress)
                    .run(o.e2eTasks(), Results.PEER_WORKERS, Results.PEER_CONCURRENCY);
        // (3) is how fast the operator sends a whole Job, and no worker serves its pool: a fair
        // window (500 tasks until the pool has a pace) would stop it early.
        rig.stopOperator();
        startOperator(rig, progress, Map.of(FAIR_SHARE_SECONDS, "0"));
        progress.say("(3) operator started again with %s=0: no fair window", FAIR_SHARE_SECONDS);
        FanOut.Result fanOut = new FanOut(rig, progress).run(o.fanoutTasks(), o.queueMessages());
        StatusCost.Result status =
            new StatusCost(rig, watch, progress)
                .run(
                    o.fanoutTasks(),
                    rig.get(e2e.widest(null).job()),
                    o.runFanOutJob() ? e2e.widest(null).workers() : 0);
        return new Results(
            Machine.now(loadAtStart),
            String.format(
                "workers run %s tasks at once; the operator's heap is at most %s",
                o.concurrency() > 0 ? o.concurrency() : "4 (their default)",
                o.operatorHeap() != null
                    ? o.operatorHeap() + " (-Xmx)"
                    : "the JVM's default, a quarter of the memory"),
            progress.elapsedSeconds(),
            queue,
            e2e,
            fanOut,
            status,
            latency,
            exec,
            peer,
            Results.targets(e2e, fanOut, status, latency, exec, peer));
      }
    } finally {
      if (recording != null) {
        recording.stop();
        recording.close();
      }
    }
  }

  /**
   * The operator, ready. On a machine busy enough that its first database connection takes longer
   * than its pool allows, it exits at start; it is started again, as Kubernetes would.
   */
  private static Rig.Node startOperator(Rig rig, Progress progress, Map<String, String> settings)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      Rig.Node operator = rig.startOperator(settings);
      try {
        operator.awaitReady();
        return operator;
      } catch (SandboxException e) {
        if (attempt == 3 || operator.process().isAlive()) {
          throw e;
        }
        progress.say("the operator exited at start (see its log); starting it again");
      }
    }
  }

  /**
   * Library logs go to bench.log in the run directory (see bench-logback.xml: the sandbox's jar on
   * the classpath has a logback.xml of its own), not the terminal.
   */
  private static void quietLibraries(Path runDir) {
    System.setProperty("logback.configurationFile", "bench-logback.xml");
    System.setProperty("fanout.bench.log", runDir.resolve("bench.log").toString());
    LogManager.getLogManager().reset();
    java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
  }
}
