package dev.fanout.operator.console;

/** How the console checks who asks: a Kubernetes bearer token, or not at all (local use). */
public enum ConsoleAuth {
  /** TokenReview for the token, SubjectAccessReview for each namespace touched. */
  KUBERNETES,
  /** No check: the port binds to 127.0.0.1 only (the sandbox). */
  NONE
}
