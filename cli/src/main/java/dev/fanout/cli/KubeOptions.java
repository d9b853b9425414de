package dev.fanout.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * kubectl's connection options, with its meaning: the kubeconfig from {@code --kubeconfig}, else
 * {@code $KUBECONFIG}, else {@code ~/.kube/config}; its current context unless {@code --context};
 * the context's namespace unless {@code -n}, else {@code default}.
 */
final class KubeOptions {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  String kubeconfig;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      description = "The kubeconfig context to use (default: its current context).")
  String context;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      scope = ScopeType.INHERIT,
      description = "The namespace (default: the context's, else default).")
  String namespace;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      description = "Bearer token for the API server and the console, instead of the kubeconfig's.")
  String token;

  /** The client configuration these options select, as kubectl would. */
  Config config() {
    Config config;
    if (kubeconfig != null) {
      File file = new File(kubeconfig);
      if (!file.isFile()) {
        throw new CliException("the kubeconfig " + kubeconfig + " does not exist");
      }
      config = Config.fromKubeconfig(context, file);
    } else {
      config = Config.autoConfigure(context);
    }
    NamedContext current = config.getCurrentContext();
    if (context != null && (current == null || !context.equals(current.getName()))) {
      throw new CliException("context \"" + context + "\" does not exist");
    }
    ConfigBuilder builder = new ConfigBuilder(config);
    if (token != null) {
      builder.withOauthToken(token);
    }
    // A command-line tool: fail fast rather than retry an unreachable server for long.
    builder.withRequestRetryBackoffLimit(0).withConnectionTimeout(10_000);
    return builder.build();
  }

  /** A client and the namespace these options select. */
  Kube connect() {
    Config config = config();
    String ns = namespace != null ? namespace : config.getNamespace();
    return new Kube(
        new KubernetesClientBuilder().withConfig(config).build(),
        config,
        ns == null || ns.isBlank() ? "default" : ns);
  }
}
