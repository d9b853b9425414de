package dev.fanout.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Consumer;

/**
 * One listing from the task API as the user: their token if the kubeconfig has one; without one,
 * the request goes bare (a console with FANOUT_CONSOLE_AUTH=none takes it), and a 401 then says how
 * to get a token.
 */
final class TaskApiCall {
  private TaskApiCall() {}

  /** No token to send, and the console wants one. */
  static final class NoToken extends TaskApi.Unreachable {
    NoToken(String message) {
      super(message, null);
    }
  }

  static void forEachTask(
      Kube kube,
      ConsoleEndpoint endpoint,
      String name,
      String state,
      int limit,
      int page,
      Consumer<JsonNode> each) {
    String token = Credentials.token(kube.config());
    TaskApi api = new TaskApi(endpoint.uri(), token);
    try {
      api.forEachTask(kube.namespace(), name, state, limit, page, each);
    } catch (ServerError e) {
      if (token == null && e.getMessage().contains("(Unauthorized)")) {
        throw new NoToken(Credentials.missing(kube.config()));
      }
      throw e;
    }
  }
}
