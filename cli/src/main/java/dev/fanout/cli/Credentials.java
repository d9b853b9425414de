package dev.fanout.cli;

import io.fabric8.kubernetes.client.Config;

/** The user's bearer token from the kubeconfig, which the console checks with a TokenReview. */
final class Credentials {
  private Credentials() {}

  /** The kubeconfig user's token (or {@code --token}'s), or null when it has none. */
  static String token(Config config) {
    if (config.getOauthToken() != null && !config.getOauthToken().isBlank()) {
      return config.getOauthToken();
    }
    if (config.getOauthTokenProvider() != null) {
      String token = config.getOauthTokenProvider().getToken();
      if (token != null && !token.isBlank()) {
        return token;
      }
    }
    String auto = config.getAutoOAuthToken();
    return auto == null || auto.isBlank() ? null : auto;
  }

  /** Why there is no token to send, and how to get one. */
  static String missing(Config config) {
    boolean certificate = config.getClientCertFile() != null || config.getClientCertData() != null;
    String user =
        config.getCurrentContext() == null || config.getCurrentContext().getContext() == null
            ? "the kubeconfig's user"
            : "user \"" + config.getCurrentContext().getContext().getUser() + "\"";
    return (certificate
            ? user
                + " authenticates with a client certificate, and the Fanout console accepts"
                + " only bearer tokens"
            : user + " has no bearer token, which the Fanout console needs")
        + ": pass one with --token, e.g. --token \"$(kubectl create token SERVICEACCOUNT -n NS)\"";
  }
}
