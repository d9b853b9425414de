package dev.fanout.worker.handlers;

import dev.fanout.worker.spi.TaskContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment an {@code exec} command gets: the worker's, without the worker's own credentials
 * and settings, plus the task's {@code FANOUT_*} variables.
 */
final class ChildEnvironment {
  /**
   * Whole families the worker is configured with: the AWS SDK's (credentials, IRSA and Pod Identity
   * token files, endpoint, region), the in-cluster Kubernetes API address and fabric8's settings,
   * and the worker's own {@code FANOUT_*} settings.
   */
  static final List<String> REMOVED_PREFIXES = List.of("AWS_", "KUBERNETES_", "FANOUT_");

  /** The API's kubeconfig, and the worker's JVM options, which a Java command would pick up. */
  static final Set<String> REMOVED_NAMES =
      Set.of("KUBECONFIG", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  /** Any other variable whose name says it holds a secret is the worker's, not the command's. */
  static final List<String> SECRET_WORDS =
      List.of("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "API_KEY");

  /** Marks every process of one attempt, so the worker finds those that left its tree. */
  static final String EXEC_ID = "FANOUT_EXEC_ID";

  private ChildEnvironment() {}

  /** Whether the worker's variable of this name reaches the command. */
  static boolean passesOn(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (REMOVED_NAMES.contains(upper)) {
      return false;
    }
    for (String prefix : REMOVED_PREFIXES) {
      if (upper.startsWith(prefix)) {
        return false;
      }
    }
    for (String word : SECRET_WORDS) {
      if (upper.contains(word)) {
        return false;
      }
    }
    return true;
  }

  /** The command's whole environment. */
  static Map<String, String> of(Map<String, String> worker, TaskContext ctx, String execId) {
    Map<String, String> env = new TreeMap<>();
    worker.forEach(
        (name, value) -> {
          if (passesOn(name)) {
            env.put(name, value);
          }
        });
    env.put("FANOUT_JOB", ctx.jobName());
    env.put("FANOUT_NAMESPACE", ctx.namespace());
    env.put("FANOUT_TASK_INDEX", Integer.toString(ctx.index()));
    env.put("FANOUT_TASK_ATTEMPT", Integer.toString(ctx.attempt()));
    env.put("FANOUT_TASK_PARAMS", ctx.params().toString());
    env.put(EXEC_ID, execId);
    return env;
  }
}
