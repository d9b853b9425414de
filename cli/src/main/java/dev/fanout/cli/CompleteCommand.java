package dev.fanout.cli;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code __complete ARGS... WORD}: the candidates for WORD in the protocol kubectl (1.26+) expects
 * from a plugin's {@code kubectl_complete-<plugin>} executable, Cobra's: one candidate a line, then
 * {@code :4} (no file completion). Subcommands, options, option values, and Job names from the
 * cluster for NAME. Handled before picocli parses anything: the words are to complete, not to obey.
 */
final class CompleteCommand {
  static final String NAME = "__complete";
  static final String NO_FILES = ":4";

  /** Commands whose one positional is a Job's name. */
  private static final Set<String> TAKE_JOB =
      Set.of("get", "tasks", "failures", "retry", "suspend", "resume");

  private final CommandSpec top;
  private final Terminal terminal;

  CompleteCommand(CommandSpec top, Terminal terminal) {
    this.top = top;
    this.terminal = terminal;
  }

  /** Prints the candidates for the last of {@code args}; always exit code 0. */
  int complete(List<String> args) {
    List<String> words = new ArrayList<>(args);
    String word = words.isEmpty() ? "" : words.remove(words.size() - 1);
    Set<String> candidates = new TreeSet<>();
    try {
      candidates.addAll(candidates(words, word));
    } catch (RuntimeException e) {
      // completion offers what it can; an unreachable cluster offers nothing
    }
    for (String c : candidates) {
      if (c.startsWith(word)) {
        terminal.out().println(c);
      }
    }
    terminal.out().println(NO_FILES);
    terminal.out().flush();
    return 0;
  }

  private List<String> candidates(List<String> words, String word) {
    CommandSpec sub = null;
    KubeOptions kube = new KubeOptions();
    int positionals = 0;
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      CommandSpec at = sub == null ? top : sub;
      OptionSpec option = at.findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
      if (option != null) {
        if (option.arity().min() > 0 && !w.contains("=") && i + 1 < words.size()) {
          set(kube, option, words.get(++i));
        }
        continue;
      }
      if (sub == null && top.subcommands().containsKey(w)) {
        sub = top.subcommands().get(w).getCommandSpec();
      } else if (sub != null && !w.startsWith("-")) {
        positionals++;
      }
    }
    CommandSpec at = sub == null ? top : sub;
    if (!words.isEmpty()) {
      OptionSpec previous = at.findOption(words.get(words.size() - 1));
      if (previous != null && previous.arity().min() > 0) {
        return values(previous, kube);
      }
    }
    if (word.startsWith("-")) {
      List<String> names = new ArrayList<>();
      at.options().stream().filter(o -> !o.hidden()).forEach(o -> names.addAll(List.of(o.names())));
      return names;
    }
    if (sub == null) {
      return top.subcommands().values().stream()
          .map(CommandLine::getCommandSpec)
          .filter(s -> !s.usageMessage().hidden())
          .map(CommandSpec::name)
          .toList();
    }
    if (sub.name().equals("completion") && positionals == 0) {
      return List.of("bash", "zsh");
    }
    if (TAKE_JOB.contains(sub.name()) && positionals == 0) {
      try (Kube k = kube.connect()) {
        return k.jobs().inNamespace(k.namespace()).list().getItems().stream()
            .map(Job::getMetadata)
            .map(m -> m.getName())
            .toList();
      }
    }
    return List.of();
  }

  private static void set(KubeOptions kube, OptionSpec option, String value) {
    switch (option.longestName()) {
      case "--namespace" -> kube.namespace = value;
      case "--context" -> kube.context = value;
      case "--kubeconfig" -> kube.kubeconfig = value;
      case "--token" -> kube.token = value;
      default -> {}
    }
  }

  private static List<String> values(OptionSpec option, KubeOptions kube) {
    switch (option.longestName()) {
      case "--output":
        return List.of("json", "yaml");
      case "--state":
        return List.of(TaskApi.STATES);
      case "--namespace", "--operator-namespace":
        try (Kube k = kube.connect()) {
          return k.client().namespaces().list().getItems().stream()
              .map(n -> n.getMetadata().getName())
              .toList();
        }
      case "--context":
        kube.context = null;
        Config config = kube.config();
        return config.getContexts().stream().map(NamedContext::getName).toList();
      default:
        return List.of();
    }
  }
}
