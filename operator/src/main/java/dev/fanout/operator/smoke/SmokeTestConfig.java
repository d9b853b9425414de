package dev.fanout.operator.smoke;

import dev.fanout.api.JobSpec;
import dev.fanout.common.config.ConfigException;
import dev.fanout.common.config.Env;
import dev.fanout.common.config.Setting;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The smoke test's settings, read once from the environment; the chart's {@code helm test} hook
 * sets them.
 *
 * @param namespace where the hello Job goes; null: the kubeconfig's namespace (in a pod, its own)
 */
public record SmokeTestConfig(String namespace, String pool, Duration timeout) {
  public static final Setting NAMESPACE =
      new Setting(
          "FANOUT_SMOKE_NAMESPACE",
          "the kubeconfig's namespace (in a pod, the pod's own)",
          "namespace of the hello Job");
  public static final Setting POOL =
      new Setting("FANOUT_SMOKE_POOL", JobSpec.DEFAULT_POOL, "worker pool of the hello Job");
  public static final Setting TIMEOUT_SECONDS =
      new Setting(
          "FANOUT_SMOKE_TIMEOUT_SECONDS",
          "120",
          "seconds to wait for the Job's Complete condition");

  public static final List<Setting> SETTINGS = List.of(NAMESPACE, POOL, TIMEOUT_SECONDS);

  private static final Pattern POOL_NAME = Pattern.compile(JobSpec.POOL_PATTERN);

  public static SmokeTestConfig from(Env env) {
    String pool = env.string(POOL, JobSpec.DEFAULT_POOL);
    if (!POOL_NAME.matcher(pool).matches()) {
      throw new ConfigException(
          POOL,
          "must be 1-40 lowercase letters, digits or '-', starting and ending with a letter or"
              + " digit, was \""
              + pool
              + "\"");
    }
    int seconds = env.integer(TIMEOUT_SECONDS, 120, 1, 86_400);
    return new SmokeTestConfig(env.raw(NAMESPACE), pool, Duration.ofSeconds(seconds));
  }
}
