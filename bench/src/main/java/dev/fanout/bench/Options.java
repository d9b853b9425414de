package dev.fanout.bench;

import dev.fanout.api.TaskSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The benchmark's command line: sizes (the by default), where to write, profiling. */
record Options(
    Path root,
    Path out,
    int queueMessages,
    int e2eTasks,
    int[] workerCounts,
    int fanoutTasks,
    boolean runFanOutJob,
    int latencyRuns,
    int execTasks,
    int concurrency,
    String operatorHeap,
    boolean jfr,
    String peer,
    Path peerDir) {

  /** The peers {@code --peer} knows: the folder under /work/shared/peers of each. */
  static final List<String> PEERS = List.of("bullmq");

  static final String USAGE =
      """
      Usage: scripts/bench.sh [options]

        --quick              small sizes (a smoke run of a few minutes), not for the figures
        --peer bullmq        also run BullMQ 6.7.0 on Redis (the peer's run.sh) in the same run,
                             N = the end-to-end tasks, 4 workers x concurrency 8, while Fanout
                             is idle, and compare; installs Redis (apt) and bullmq (npm) on
                             first use. Without it the side-by-side table says it was not run
        --peer-dir DIR       where the peer's run.sh is (default ../shared/peers/<peer> from
                             the repository); it is copied to bench/target/peers/ and run there
        --queue-messages N   messages per queue-limit round (default 50000)
        --e2e-tasks N        tasks of each end-to-end Job, each once with automatic packing and
                             once with tasksPerMessage 1, and of the retry-once Job (default
                             20000)
        --workers LIST       worker counts of the end-to-end runs (default 1,2,4)
        --exec-tasks N       tasks of the exec-of-true Job run by one worker (default 2000)
        --fanout-tasks N     tasks of the fan-out Job (default 100000)
        --latency-runs N     1-task Jobs for the latency (default 20)
        --run-fanout-job     also run the fan-out Job to its end with the most workers, for
                             status writes and sizes at full size (minutes more)
        --concurrency N      tasks each worker runs at once (default: the worker's own, 4)
        --operator-heap SIZE the operator's largest heap, as -Xmx (say 256m; default: the JVM's)
        --jfr                record a JFR profile of each process into the run directory
        --root DIR           the repository (default: the current directory)
        --out DIR            where benchmarks.json and benchmarks.md go (default bench/target)
      """;

  static Options parse(String[] args) {
    Path root = Path.of("").toAbsolutePath();
    Path out = null;
    int queue = 50_000;
    int e2e = 20_000;
    int[] workers = {1, 2, 4};
    int fanout = 100_000;
    int latency = 20;
    int exec = 2_000;
    boolean jfr = false;
    String peer = null;
    Path peerDir = null;
    int concurrency = 0;
    String operatorHeap = null;
    boolean runFanOutJob = false;
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    while (!rest.isEmpty()) {
      String arg = rest.remove(0);
      switch (arg) {
        case "--quick" -> {
          queue = 10_000;
          e2e = 2_000;
          fanout = 10_000;
          latency = 5;
          exec = 200;
        }
        case "--peer" -> {
          peer = value(arg, rest);
          if (!PEERS.contains(peer)) {
            throw new UsageException("--peer must be one of " + PEERS + ", was \"" + peer + "\"");
          }
        }
        case "--peer-dir" -> peerDir = Path.of(value(arg, rest)).toAbsolutePath();
        case "--exec-tasks" -> exec = positive(arg, rest);
        case "--queue-messages" -> queue = positive(arg, rest);
        case "--e2e-tasks" -> e2e = positive(arg, rest);
        case "--workers" -> workers = counts(arg, value(arg, rest));
        case "--fanout-tasks" -> fanout = positive(arg, rest);
        case "--latency-runs" -> latency = positive(arg, rest);
        case "--concurrency" -> concurrency = positive(arg, rest);
        case "--operator-heap" -> {
          operatorHeap = value(arg, rest);
          if (!operatorHeap.matches("[1-9][0-9]*[kKmMgG]?")) {
            throw new UsageException(
                "--operator-heap must be a size such as 256m, was \"" + operatorHeap + "\"");
          }
        }
        case "--jfr" -> jfr = true;
        case "--run-fanout-job" -> runFanOutJob = true;
        case "--root" -> root = Path.of(value(arg, rest)).toAbsolutePath();
        case "--out" -> out = Path.of(value(arg, rest)).toAbsolutePath();
        case "-h", "--help" -> throw new UsageException("");
        default -> throw new UsageException("unknown option " + arg);
      }
    }
    if (peerDir != null && peer == null) {
      throw new UsageException("--peer-dir needs --peer");
    }
    atMostAJob("--fanout-tasks", fanout);
    atMostAJob("--e2e-tasks", e2e);
    atMostAJob("--exec-tasks", exec);
    return new Options(
        root,
        out == null ? root.resolve("bench/target") : out,
        queue,
        e2e,
        workers,
        fanout,
        runFanOutJob,
        latency,
        exec,
        concurrency,
        operatorHeap,
        jfr,
        peer,
        peer == null
            ? null
            : peerDir != null
                ? peerDir
                : root.resolve("../shared/peers").resolve(peer).normalize());
  }

  private static void atMostAJob(String option, int tasks) {
    if (tasks > TaskSource.MAX_COUNT) {
      throw new UsageException(option + ": a Job has at most " + TaskSource.MAX_COUNT + " tasks");
    }
  }

  private static String value(String option, List<String> rest) {
    if (rest.isEmpty()) {
      throw new UsageException(option + " needs a value");
    }
    return rest.remove(0);
  }

  private static int positive(String option, List<String> rest) {
    String value = value(option, rest);
    try {
      int n = Integer.parseInt(value);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a whole number above 0, was \"" + value + "\"");
    }
  }

  private static int[] counts(String option, String value) {
    try {
      int[] counts =
          Arrays.stream(value.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] < 1 || (i > 0 && counts[i] <= counts[i - 1])) {
          throw new NumberFormatException();
        }
      }
      return counts;
    } catch (NumberFormatException e) {
      throw new UsageException(
          option + " must be rising whole numbers above 0 like 1,2,4, was \"" + value + "\"");
    }
  }

  /** A bad command line: the message says what, then the usage is shown. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
