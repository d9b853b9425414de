package dev.fanout.operator.console;

import java.util.List;
import java.util.Map;

/** Who asks and what they may do with Fanout Jobs: checked per request, answers cached briefly. */
interface Access {
  /** The caller, from the request's {@code Authorization} header; an {@link ApiError} 401 else. */
  User authenticate(String authorization);

  /**
   * Whether the user may {@code verb} ({@code list}, {@code create}) Fanout Jobs in the namespace;
   * null namespace: in every namespace at once.
   */
  boolean may(User user, String verb, String namespace);

  /**
   * An authenticated caller.
   *
   * @param token the bearer token, to act as the user (submitting a Job); null without one
   * @param key a hash of the token: the cache key of this user's answers
   */
  record User(
      String name,
      String uid,
      List<String> groups,
      Map<String, List<String>> extra,
      String token,
      String key) {
    @Override
    public String toString() {
      // Never the token.
      return name;
    }
  }

  /** {@code FANOUT_CONSOLE_AUTH=none}: everyone may everything (the port is bound to loopback). */
  Access OPEN =
      new Access() {
        private final User anonymous = new User("anonymous", null, List.of(), Map.of(), null, "");

        @Override
        public User authenticate(String authorization) {
          return anonymous;
        }

        @Override
        public boolean may(User user, String verb, String namespace) {
          return true;
        }
      };
}
