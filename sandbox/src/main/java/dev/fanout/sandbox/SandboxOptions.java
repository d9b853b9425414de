package dev.fanout.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

/**
 * What one sandbox run does, read once in {@link Main} from the command line and the environment:
 * the only place the sandbox looks at either.
 *
 * @param manifests files or folders as given; empty means the default example
 * @param plugins jars to put on the workers' classpath, absolute
 * @param env variables for the operator and the workers, on top of what the sandbox sets
 * @param dir the run directory, or null for a new temporary one
 * @param dbUrl the database to hand the operator, or null for an H2 file in the run directory
 * @param autoscale whether pool default's workers come from an autoscaled Deployment instead
 * @param autoscaleTrace where {@code --autoscale} writes its time series, or null
 */
public record SandboxOptions(
    List<String> manifests,
    int workers,
    int concurrency,
    Duration timeout,
    boolean keepRunning,
    boolean console,
    boolean plain,
    JvmMode jvm,
    LocalKube.ControlPlane controlPlane,
    List<Path> plugins,
    Map<String, String> env,
    Path dir,
    String dbUrl,
    String dbUser,
    String dbPassword,
    boolean autoscale,
    int autoscaleMax,
    Duration autoscaleDelay,
    Path autoscaleTrace,
    boolean help) {

  static final String USAGE =
      """
      Usage: fanout run [options] [manifest files or folders...]

      Runs Fanout with no cluster: a local Kubernetes API with the Job CRD, the
      real operator and workers as child processes, and the given Jobs (default:
      examples/hello.yaml), then prints each Job's status and its task rows.

      Options:
        --workers N        worker processes per pool (default 2)
        --concurrency N    tasks each worker runs at once (default 4)
        --timeout T        give up after T, e.g. 90s, 10m, 1h (default 10m); exits 1
        --keep-running     leave everything up after the Jobs finish, until Ctrl-C
        --console          open the web console (auth none, 127.0.0.1) in a
                           browser with xdg-open or open, else print its URL;
                           with --keep-running it stays up after the Jobs
        --plain            print a line log even when stdout is a terminal
        --jvm MODE         how the operator's and workers' JVMs start: c1 (default;
                           C1 JIT only, starts faster), cds (c1 and a class-data
                           sharing archive per jar: faster still, but the first run
                           after a build takes 10-20 s longer to stop while the JVMs
                           write it), default (java's defaults)
        --control-plane M  the Kubernetes API: real (kube-apiserver and etcd as local
                           processes, from scripts/control-plane.sh; kubectl works),
                           mock (fabric8's mock server: starts faster, no schema
                           checks, no kubectl), auto (default: real when its
                           binaries are there)
        --plugin JAR       put JAR on the workers' classpath (repeatable): task
                           handlers, each listed in the jar's file
                           META-INF/services/dev.fanout.worker.spi.TaskHandler,
                           or a library they need
        --env KEY=VALUE    give the operator and the workers this variable of
                           docs/configuration.md, e.g. FANOUT_LOG_LEVEL=debug
                           (repeatable)
        --autoscale        start no worker: pool default's workers come from a
                           Deployment the operator scales (0 when idle), which the
                           sandbox plays as a kubelet would; needs the real API
                           server (--control-plane real or auto with its binaries)
        --autoscale-max N  the most workers it may scale to (default 4)
        --autoscale-delay T
                           the scale-down delay: how long the demand must stay
                           lower before workers stop (default 10s)
        --autoscale-trace FILE
                           write runnable tasks, queue depth, replicas and
                           workers once a second as CSV (TraceSvg draws it)
        --dir DIR          put the kubeconfig, logs and H2 database here (default: a
                           new temporary directory)
        -h, --help         this text

      Environment:
        FANOUT_DB_URL, FANOUT_DB_USER, FANOUT_DB_PASSWORD
                           a PostgreSQL (or H2) database for the operator's task rows
                           instead of an H2 file in the run directory

      Exit code: 0 when every Job succeeded; 1 when one did not, on a timeout, or
      when something could not start; 2 for a bad command line.
      """;

  public static final int DEFAULT_WORKERS = 2;
  public static final int DEFAULT_CONCURRENCY = 4;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  public static final int DEFAULT_AUTOSCALE_MAX = 4;
  public static final Duration DEFAULT_AUTOSCALE_DELAY = Duration.ofSeconds(10);

  /** The options that take no value. */
  static final Set<String> FLAGS =
      Set.of("-h", "--help", "--keep-running", "--console", "--plain", "--autoscale");

  /** The options that take a value, as {@code --name value} or {@code --name=value}. */
  static final Set<String> WITH_VALUE =
      Set.of(
          "--workers",
          "--concurrency",
          "--timeout",
          "--jvm",
          "--control-plane",
          "--plugin",
          "--env",
          "--dir",
          "--autoscale-max",
          "--autoscale-delay",
          "--autoscale-trace");

  /**
   * The variables the sandbox sets itself to connect its processes, which {@code --env} may not
   * change, and why.
   */
  static final Map<String, String> SET_BY_THE_SANDBOX =
      Map.of(
          "KUBECONFIG", "every process uses the sandbox's Kubernetes API",
          "FANOUT_HTTP_PORT", "each process gets a free port",
          "FANOUT_SQS_EMBEDDED", "the operator serves the queue",
          "FANOUT_SQS_EMBEDDED_PORT", "the queue gets a free port",
          "AWS_ENDPOINT_URL_SQS", "the workers use the operator's queue",
          "FANOUT_POOL", "each pool the Jobs name gets workers of its own",
          "FANOUT_WORKER_ID", "each worker needs an id of its own",
          "FANOUT_WORKER_CONCURRENCY", "use --concurrency N");

  /** Database settings, which the sandbox also reads the task rows with. */
  private static final List<String> DB_VARIABLES =
      List.of("FANOUT_DB_URL", "FANOUT_DB_USER", "FANOUT_DB_PASSWORD");

  private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** A bad command line: the message says what and {@link Main} adds the usage. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Reads the arguments after {@code run} (a leading {@code run} is accepted and skipped) and the
   * database variables.
   */
  static SandboxOptions parse(List<String> args, Map<String, String> env) {
    List<String> manifests = new ArrayList<>();
    int workers = DEFAULT_WORKERS;
    int concurrency = DEFAULT_CONCURRENCY;
    Duration timeout = DEFAULT_TIMEOUT;
    boolean keepRunning = false;
    boolean console = false;
    boolean plain = false;
    JvmMode jvm = JvmMode.C1;
    LocalKube.ControlPlane controlPlane = LocalKube.ControlPlane.AUTO;
    List<Path> plugins = new ArrayList<>();
    Map<String, String> extraEnv = new LinkedHashMap<>();
    boolean help = false;
    Path dir = null;
    boolean autoscale = false;
    Integer autoscaleMax = null;
    Duration autoscaleDelay = null;
    Path autoscaleTrace = null;
    List<String> rest = new ArrayList<>(args);
    if (!rest.isEmpty() && rest.get(0).equals("run")) {
      rest.remove(0);
    }
    boolean optionsEnded = false;
    for (int i = 0; i < rest.size(); i++) {
      String arg = rest.get(i);
      if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
        manifests.add(arg);
        continue;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (name.equals("--")) {
        optionsEnded = true;
      } else if (FLAGS.contains(name)) {
        switch (name) {
          case "--keep-running" -> keepRunning = true;
          case "--console" -> console = true;
          case "--plain" -> plain = true;
          case "--autoscale" -> autoscale = true;
          default -> help = true;
        }
      } else if (WITH_VALUE.contains(name)) {
        if (value == null) {
          if (i + 1 >= rest.size()) {
            throw new UsageException(name + " needs a value");
          }
          value = rest.get(++i);
        }
        switch (name) {
          case "--workers" -> workers = number(name, value, 1, 64);
          case "--concurrency" -> concurrency = number(name, value, 1, 1000);
          case "--timeout" -> timeout = duration(name, value);
          case "--jvm" -> jvm = JvmMode.parse(value);
          case "--control-plane" -> controlPlane = LocalKube.ControlPlane.parse(value);
          case "--plugin" -> plugins.add(plugin(value));
          case "--env" -> variable(value, extraEnv);
          case "--autoscale-max" -> autoscaleMax = number(name, value, 1, 64);
          case "--autoscale-delay" -> autoscaleDelay = duration(name, value);
          case "--autoscale-trace" -> autoscaleTrace = Path.of(value).toAbsolutePath();
          default -> dir = Path.of(value);
        }
      } else {
        throw new UsageException("unknown option " + arg);
      }
    }
    if (!autoscale && (autoscaleMax != null || autoscaleDelay != null || autoscaleTrace != null)) {
      throw new UsageException(
          "--autoscale-max, --autoscale-delay and --autoscale-trace need --autoscale");
    }
    if (autoscaleDelay != null && autoscaleDelay.toMillis() % 1000 != 0) {
      throw new UsageException(
          "--autoscale-delay must be whole seconds (the Deployment's annotation counts seconds),"
              + " was \""
              + autoscaleDelay.toMillis()
              + "ms\"");
    }
    // --env FANOUT_DB_* counts as if set in the environment: the sandbox reads the rows with it.
    Map<String, String> db = new HashMap<>();
    for (String variable : DB_VARIABLES) {
      String given = extraEnv.containsKey(variable) ? extraEnv.remove(variable) : env.get(variable);
      db.put(variable, blankToNull(given));
    }
    String dbUrl = db.get("FANOUT_DB_URL");
    if (dbUrl != null && !dbUrl.startsWith("jdbc:h2:") && !dbUrl.startsWith("jdbc:postgresql:")) {
      throw new UsageException(
          "FANOUT_DB_URL must start with jdbc:h2: or jdbc:postgresql:, was \"" + dbUrl + "\"");
    }
    return new SandboxOptions(
        List.copyOf(manifests),
        workers,
        concurrency,
        timeout,
        keepRunning,
        console,
        plain,
        jvm,
        controlPlane,
        List.copyOf(plugins),
        Collections.unmodifiableMap(extraEnv),
        dir,
        dbUrl,
        db.get("FANOUT_DB_USER"),
        db.get("FANOUT_DB_PASSWORD"),
        autoscale,
        autoscaleMax == null ? DEFAULT_AUTOSCALE_MAX : autoscaleMax,
        autoscaleDelay == null ? DEFAULT_AUTOSCALE_DELAY : autoscaleDelay,
        autoscaleTrace,
        help);
  }

  /** A jar that exists and opens as one; its absolute path. */
  private static Path plugin(String value) {
    Path jar = Path.of(value).toAbsolutePath().normalize();
    if (!Files.exists(jar)) {
      throw new UsageException("--plugin " + value + ": no such file");
    }
    if (!Files.isRegularFile(jar)) {
      throw new UsageException("--plugin " + value + ": is not a file (give a jar)");
    }
    try (JarFile opened = new JarFile(jar.toFile())) {
      return jar;
    } catch (IOException e) {
      throw new UsageException("--plugin " + value + ": not a jar file (" + e.getMessage() + ")");
    }
  }

  /** {@code KEY=VALUE} into {@code into}; a later one for the same KEY wins. */
  private static void variable(String value, Map<String, String> into) {
    int eq = value.indexOf('=');
    if (eq < 0) {
      throw new UsageException("--env must be KEY=VALUE, was \"" + value + "\" (no =)");
    }
    String key = value.substring(0, eq);
    if (!VARIABLE_NAME.matcher(key).matches()) {
      throw new UsageException(
          "--env must be KEY=VALUE with KEY a variable name (letters, digits and _, not starting"
              + " with a digit), was \""
              + value
              + "\"");
    }
    String why = SET_BY_THE_SANDBOX.get(key);
    if (why != null) {
      throw new UsageException("--env " + key + ": the sandbox sets it itself (" + why + ")");
    }
    into.put(key, value.substring(eq + 1));
  }

  /** The variables as {@code KEY=VALUE}, with the value of a password, secret or token hidden. */
  static String shown(Map<String, String> env) {
    List<String> shown = new ArrayList<>();
    env.forEach(
        (k, v) -> shown.add(k + "=" + (k.matches("(?i).*(PASSWORD|SECRET|TOKEN).*") ? "***" : v)));
    return String.join(" ", shown);
  }

  private static int number(String option, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(
        option + " must be a whole number from " + min + " to " + max + ", was \"" + value + "\"");
  }

  /** {@code 90}, {@code 90s}, {@code 10m}, {@code 1h}. */
  static Duration duration(String option, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
      } else {
        d = Duration.ofSeconds(Long.parseLong(v));
      }
      if (d.isPositive()) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(
        option + " must be a positive duration such as 90s, 10m or 1h, was \"" + value + "\"");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /** The password hidden, for what the sandbox prints. */
  static String hidePassword(String url) {
    return url.replaceAll("(?i)password=[^&;]*", "password=***");
  }
}
