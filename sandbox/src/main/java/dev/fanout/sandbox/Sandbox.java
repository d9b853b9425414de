package dev.fanout.sandbox;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * One sandbox run, start to end: the local Kubernetes API, the operator (serving the embedded
 * queue), the Jobs, the workers of each pool they use, the live view, the final report; and, on
 * every way out, the child processes stopped.
 */
final class Sandbox implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  /**
   * How long a child may take to stop after SIGTERM: a worker's last long poll ({@link
   * FanoutProcesses#RECEIVE_WAIT_SECONDS}) and final status write, the operator's controller stop.
   */
  private static final Duration STOP_GRACE =
      Duration.ofSeconds(FanoutProcesses.RECEIVE_WAIT_SECONDS + 7);

  private static final Duration ARCHIVE_GRACE = Duration.ofSeconds(90);
  private static final Duration ROWS_PATIENCE = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 200;

  private final SandboxOptions options;
  private final RepoLayout layout;
  private final Path runDir;
  private final Map<String, String> inheritedEnv;
  private final boolean terminal;
  private final PrintStream out;
  private final Object closeLock = new Object();
  private final CountDownLatch closedLatch = new CountDownLatch(1);
  private final long deadline;
  private volatile LocalKube kube;
  private volatile FanoutProcesses processes;
  private volatile AutoscaledPool pool;
  private long jobsCreatedNanos;
  private int consolePort;
  private long jobsEndNanos;
  private boolean closed;
  private volatile boolean finishedNormally;

  /**
   * @param runDir where the kubeconfig, the logs and the H2 database go
   * @param inheritedEnv this process's environment, which the children get without the variables
   *     that configure Fanout, AWS or Kubernetes
   * @param terminal whether stdout is a terminal the live view may redraw
   */
  Sandbox(
      SandboxOptions options,
      RepoLayout layout,
      Path runDir,
      Map<String, String> inheritedEnv,
      boolean terminal,
      PrintStream out) {
    this.options = options;
    this.layout = layout;
    this.runDir = runDir;
    this.inheritedEnv = inheritedEnv;
    this.terminal = terminal;
    this.out = out;
    this.deadline = System.nanoTime() + options.timeout().toNanos();
  }

  /** True once {@link #close()} began: what fails after that is the shutdown, not an error. */
  boolean closing() {
    synchronized (closeLock) {
      return closed;
    }
  }

  /** Runs everything; returns the exit code. */
  int run() throws IOException, InterruptedException {
    long start = System.nanoTime();
    requireJar(layout.operatorJar(), "operator");
    requireJar(layout.workerJar(), "worker");
    List<String> args =
        options.manifests().isEmpty() ? List.of(RepoLayout.DEFAULT_MANIFEST) : options.manifests();
    List<Manifests.Manifest> manifests =
        Manifests.read(args.stream().map(layout::resolve).toList());

    out.println("Fanout sandbox, run directory " + runDir);
    LocalKube.ControlPlane controlPlane = options.controlPlane();
    if (options.autoscale()) {
      requireRealApiServer(controlPlane);
      controlPlane = LocalKube.ControlPlane.REAL;
    }
    kube = LocalKube.start(controlPlane, why -> line("kubernetes", why));
    Path kubeconfig = kube.writeKubeconfig(runDir.resolve("kubeconfig"));
    line("kubernetes", kube.describe() + ", kubeconfig " + kubeconfig);
    processes = new FanoutProcesses(layout, runDir, inheritedEnv, kubeconfig, options.jvm());

    List<String> pools = new ArrayList<>(workerPools(manifests));
    if (options.autoscale()) {
      pools.remove(AutoscaledPool.POOL);
    }
    // The queue's, the operator's, the workers', then the console's.
    int[] ports = FanoutProcesses.freePorts(3 + pools.size() * options.workers());
    consolePort = ports[ports.length - 1];
    String dbUrl = dbUrl();
    line("database", SandboxOptions.hidePassword(dbUrl));
    line("queue", "http://localhost:" + ports[0] + " (ElasticMQ, served by the operator)");
    if (!options.env().isEmpty()) {
      line("env", SandboxOptions.shown(options.env()) + " (operator and workers)");
    }
    for (Path plugin : options.plugins()) {
      line("plugin", plugin + " (on the workers' classpath)");
    }
    Map<String, String> operatorEnv = new LinkedHashMap<>(options.env());
    if (options.autoscale()) {
      operatorEnv.put("FANOUT_WORKERS_NAMESPACE", AutoscaledPool.NAMESPACE);
    }
    // The task API (kubectl fanout tasks, failures) on 127.0.0.1 only, with no token to check.
    operatorEnv.putIfAbsent("FANOUT_CONSOLE_PORT", String.valueOf(consolePort));
    operatorEnv.putIfAbsent("FANOUT_CONSOLE_AUTH", "none");
    ChildProcess operator =
        processes.startOperator(
            dbUrl, options.dbUser(), options.dbPassword(), ports[0], ports[1], operatorEnv);
    awaitReady(operator, () -> false);
    ready(operator);
    String consoleUrl = "http://127.0.0.1:" + consolePort + "/";
    line("console", consoleUrl + " (the web console, no token needed; docs/console.md)");
    if (options.console()) {
      line("console", ConsoleOpener.open(consoleUrl, System.getenv("PATH")));
    }
    if (options.autoscale()) {
      startPool(operator, ports[0], start);
    }

    // The operator creates a pool's queue when it first sees a Job of that pool, and a worker is
    // ready once it finds its queue: so the Jobs go first, then the workers.
    List<JobTracker> jobs = apply(manifests);
    jobsCreatedNanos = System.nanoTime();
    List<ChildProcess> workers = startWorkers(pools, ports[0], ports, 2, jobs);
    out.println();

    boolean timedOut = watch(jobs, start);
    if (pool != null) {
      line("autoscale", pool.summary(jobsCreatedNanos, jobsEndNanos));
    }
    report(jobs, dbUrl, timedOut);
    boolean allSucceeded = !timedOut && jobs.stream().allMatch(JobTracker::succeeded);
    if (options.keepRunning()) {
      keepRunning(kubeconfig, operator, workers);
    }
    finishedNormally = true;
    return allSucceeded ? 0 : 1;
  }

  /**
   * {@code --autoscale} scales a Deployment through its scale subresource, which fabric8's mock
   * server does not keep: it needs the real one.
   */
  private static void requireRealApiServer(LocalKube.ControlPlane controlPlane) {
    String why =
        switch (controlPlane) {
          case MOCK -> "--control-plane mock was given";
          case AUTO -> RealApiServer.missingBinaries();
          case REAL -> null; // kube-api-test downloads what is missing
        };
    if (why != null) {
      throw new SandboxException(
          "--autoscale needs a real kube-apiserver (the operator scales the workers' Deployment"
              + " through its scale subresource, and fabric8's mock API server loses a Deployment"
              + " written there), but "
              + why
              + ".\n"
              + RealApiServer.HOW_TO_GET_ONE);
    }
  }

  /** The autoscaled Deployment of pool default, before the Jobs, so that the scaler sees both. */
  private void startPool(ChildProcess operator, int queuePort, long start) throws IOException {
    AutoscaleTrace trace =
        options.autoscaleTrace() == null
            ? null
            : new AutoscaleTrace(options.autoscaleTrace(), operator, AutoscaledPool.POOL, start);
    pool =
        AutoscaledPool.start(
            kube.client(),
            processes,
            STOP_GRACE,
            options.concurrency(),
            options.autoscaleMax(),
            options.autoscaleDelay(),
            queuePort,
            options.env(),
            options.plugins(),
            trace);
    line(
        "workers",
        String.format(
            Locale.ROOT,
            "none yet: Deployment %s/%s (pool %s) scaled by the operator, 0 to %d, down after"
                + " %d s%s",
            AutoscaledPool.NAMESPACE,
            AutoscaledPool.NAME,
            AutoscaledPool.POOL,
            options.autoscaleMax(),
            options.autoscaleDelay().toSeconds(),
            options.autoscaleTrace() == null ? "" : "; trace " + options.autoscaleTrace()));
  }

  /**
   * The pools the Jobs use, but those whose name a worker would refuse (the operator refuses their
   * Jobs with InvalidSpec, which the report shows).
   */
  private List<String> workerPools(List<Manifests.Manifest> manifests) {
    Pattern valid = Pattern.compile(JobSpec.POOL_PATTERN);
    List<String> pools = new ArrayList<>();
    for (String pool : manifests.stream().map(Manifests.Manifest::pool).distinct().toList()) {
      if (valid.matcher(pool).matches()) {
        pools.add(pool);
      } else {
        line("pool", "\"" + pool + "\" is not a valid pool name: no workers for it");
      }
    }
    return pools;
  }

  private List<JobTracker> apply(List<Manifests.Manifest> manifests) {
    List<JobTracker> jobs = new ArrayList<>();
    for (Manifests.Manifest manifest : manifests) {
      Job created = Manifests.apply(kube.client(), manifest);
      jobs.add(new JobTracker(manifest.file(), manifest.pool(), created, System.nanoTime()));
      line("job", created.ref() + " from " + RepoLayout.display(manifest.file()));
    }
    return jobs;
  }

  /** N workers per pool, started together, then each waited for. */
  private List<ChildProcess> startWorkers(
      List<String> pools, int queuePort, int[] ports, int firstPort, List<JobTracker> jobs)
      throws IOException, InterruptedException {
    Map<ChildProcess, String> workers = new LinkedHashMap<>();
    int next = firstPort;
    for (String pool : pools) {
      for (int i = 1; i <= options.workers(); i++) {
        String name = pools.size() == 1 ? "worker-" + i : "worker-" + pool + "-" + i;
        ChildProcess worker =
            processes.startWorker(
                name,
                pool,
                options.concurrency(),
                queuePort,
                ports[next++],
                options.env(),
                options.plugins());
        workers.put(worker, pool);
      }
    }
    for (Map.Entry<ChildProcess, String> w : workers.entrySet()) {
      String pool = w.getValue();
      // A Job that ended before running (an invalid spec) may leave its pool without a queue.
      BooleanSupplier poolDone =
          () -> {
            poll(jobs);
            return jobs.stream().filter(j -> pool.equals(j.pool())).allMatch(JobTracker::finished);
          };
      if (awaitReady(w.getKey(), poolDone)) {
        ready(w.getKey());
      } else {
        line(w.getKey().name(), "not waited for: the Jobs of pool " + pool + " ended already");
      }
    }
    return List.copyOf(workers.keySet());
  }

  /** The live view until every Job finished; true when the deadline came first. */
  private boolean watch(List<JobTracker> jobs, long start) throws InterruptedException {
    ProgressView view =
        ProgressView.create(out, jobs, start, terminal ? new TerminalSize(inheritedEnv) : null);
    while (true) {
      poll(jobs);
      long now = System.nanoTime();
      if (pool != null) {
        pool.check();
        view.footer(pool.status());
      }
      view.update(jobs, now);
      if (jobs.stream().allMatch(JobTracker::finished)) {
        if (jobsEndNanos == 0) {
          jobsEndNanos = now;
        }
        // With --autoscale the run goes on until the workers are gone again.
        if (pool == null || pool.idle()) {
          view.finish(jobs, now);
          return false;
        }
      }
      ChildProcess dead = processes.firstDead();
      if (dead != null) {
        throw new SandboxException(
            dead.name() + " " + dead.exitDescription() + " while the Jobs ran" + dead.logTail());
      }
      if (now > deadline) {
        view.finish(jobs, now);
        out.printf(
            "%nTimed out after %s (--timeout); not finished: %s%n",
            format(options.timeout()),
            String.join(
                    ", ",
                    jobs.stream()
                        .filter(j -> !j.finished())
                        .map(j -> j.ref() + " " + j.phase())
                        .toList())
                + (jobsEndNanos != 0 && pool != null
                    ? "; " + pool.status() + ", not back to 0"
                    : ""));
        return true;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private void poll(List<JobTracker> jobs) {
    long now = System.nanoTime();
    for (JobTracker job : jobs) {
      if (!job.finished()) {
        job.observe(
            kube.client()
                .resources(Job.class)
                .inNamespace(job.namespace())
                .withName(job.name())
                .get(),
            now);
      }
    }
  }

  /** Each Job's final status, then its task rows from the operator's database. */
  private void report(List<JobTracker> jobs, String dbUrl, boolean timedOut)
      throws InterruptedException {
    FinalReport report = new FinalReport(out);
    String shown = SandboxOptions.hidePassword(dbUrl);
    try (TaskRowReader db = new TaskRowReader(dbUrl, options.dbUser(), options.dbPassword())) {
      for (JobTracker job : jobs) {
        report.status(job);
        report.rows(db.awaitSettled(job.uid(), timedOut ? Duration.ZERO : ROWS_PATIENCE));
      }
    } catch (SQLException e) {
      throw new SandboxException(
          "cannot read the task rows from " + shown + ": " + e.getMessage(), e);
    }
    report.verdict(jobs, timedOut);
  }

  private void keepRunning(Path kubeconfig, ChildProcess operator, List<ChildProcess> workers)
      throws InterruptedException {
    out.println();
    out.println("Everything keeps running (--keep-running); Ctrl-C stops it.");
    out.println("  export KUBECONFIG=" + kubeconfig);
    out.println("  console: http://127.0.0.1:" + consolePort + "/   (the web console)");
    out.println("  export FANOUT_CONSOLE_URL=http://127.0.0.1:" + consolePort);
    out.println(
        kube.kubectlWorks()
            ? "  kubectl get fjob -w"
            : "  (fabric8's mock API: programs using the fabric8 client work with it, kubectl"
                + " does not; scripts/control-plane.sh provisions a real API server)");
    out.println("  ./fanout get; ./fanout failures NAME; ./fanout retry NAME   (docs/cli.md)");
    List<ChildProcess> all = new ArrayList<>(List.of(operator));
    all.addAll(workers);
    for (ChildProcess c : all) {
      out.printf("  %-9s http://localhost:%d/metrics  log %s%n", c.name(), c.httpPort(), c.log());
    }
    out.flush();
    closedLatch.await();
  }

  /**
   * The operator's database: the one given, else an H2 file in the run directory. H2 in AUTO_SERVER
   * mode, so that the sandbox can read the rows while the operator holds the file.
   */
  private String dbUrl() {
    String url = options.dbUrl();
    if (url == null) {
      url = "jdbc:h2:file:" + runDir.resolve("db").resolve("fanout");
    }
    if (url.startsWith("jdbc:h2:file:") && !url.toUpperCase(Locale.ROOT).contains("AUTO_SERVER")) {
      url += ";AUTO_SERVER=TRUE";
    }
    return url;
  }

  private static void requireJar(Path jar, String what) {
    if (!Files.isRegularFile(jar)) {
      throw new SandboxException(
          "the " + what + " jar " + jar + " is missing: " + RepoLayout.BUILD_HINT);
    }
  }

  /** Waits for the child's readiness, at most until the run's deadline. */
  private boolean awaitReady(ChildProcess child, BooleanSupplier unneeded)
      throws InterruptedException {
    long left = Math.max(0, deadline - System.nanoTime());
    if (left < READY_TIMEOUT.toNanos()) {
      return child.awaitReady(
          Duration.ofNanos(left), "within --timeout " + format(options.timeout()), unneeded);
    }
    return child.awaitReady(READY_TIMEOUT, "after " + READY_TIMEOUT.toSeconds() + " s", unneeded);
  }

  private void ready(ChildProcess child) {
    line(
        child.name(),
        String.format(
            Locale.ROOT,
            "ready in %.1f s, pid %d, http://localhost:%d, log %s",
            child.sinceStart().toMillis() / 1000.0,
            child.pid(),
            child.httpPort(),
            child.log()));
  }

  /** A line of the run's header; the lines of a longer text indented under its first. */
  private void line(String what, String text) {
    out.printf("  %-10s %s%n", what, text.replace("\n", System.lineSeparator() + " ".repeat(13)));
    out.flush();
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  private static String notExited(List<String> killed) {
    return String.join(", ", killed)
        + " had not exited "
        + STOP_GRACE.toSeconds()
        + " s after SIGTERM and "
        + (killed.size() == 1 ? "was" : "were")
        + " killed";
  }

  /** Stops every child (SIGTERM, then a kill after a grace period) and the API; runs once. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      if (pool != null) {
        pool.close();
      }
      FanoutProcesses started = processes;
      if (started != null && !started.all().isEmpty()) {
        List<ChildProcess> all = started.all();
        if (!finishedNormally) {
          System.err.println(
              "fanout-sandbox: stopping "
                  + String.join(", ", all.stream().map(ChildProcess::name).toList()));
        }
        if (started.writingArchives()) {
          System.err.println(
              "fanout-sandbox: the JVMs write their class-data sharing archives as they stop"
                  + " (--jvm cds, once after each build); this takes a while");
        }
        long begin = System.nanoTime();
        List<String> killed = started.stopAll(STOP_GRACE, ARCHIVE_GRACE);
        if (finishedNormally) {
          out.printf(
              Locale.ROOT,
              "%nStopped the operator and %d worker%s in %.1f s%s.%n",
              all.size() - 1,
              all.size() == 2 ? "" : "s",
              (System.nanoTime() - begin) / 1e9,
              killed.isEmpty() ? "" : "; " + notExited(killed));
          out.flush();
        } else if (!killed.isEmpty()) {
          System.err.println("fanout-sandbox: " + notExited(killed));
        }
      }
      if (kube != null) {
        kube.close();
      }
    } finally {
      closedLatch.countDown();
    }
  }
}
