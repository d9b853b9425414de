package dev.fanout.operator.console;

import java.util.function.Predicate;

/**
 * Whether a user may see the Jobs of a namespace: may list them in every namespace, or in that one.
 * Each answer comes from {@link Access}, which caches it briefly, so a long watch follows a change
 * of the user's rights.
 */
final class NamespaceFilter implements Predicate<String> {
  private final Access access;
  private final Access.User user;

  NamespaceFilter(Access access, Access.User user) {
    this.access = access;
    this.user = user;
  }

  @Override
  public boolean test(String namespace) {
    try {
      return access.may(user, "list", null) || access.may(user, "list", namespace);
    } catch (ApiError e) {
      // The API server cannot say now: show nothing of that namespace rather than fail the page.
      return false;
    }
  }
}
