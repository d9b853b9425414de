package dev.fanout.cli;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** The API server's refusals in kubectl's words: {@code Error from server (Reason): message}. */
final class ApiErrors {
  private ApiErrors() {}

  static String notFound(String name) {
    return "Error from server (NotFound): " + Job.CRD_NAME + " \"" + name + "\" not found";
  }

  static String describe(KubernetesClientException e) {
    Status status = e.getStatus();
    if (e.getCode() <= 0 || status == null && e.getCause() != null) {
      return "Unable to connect to the server: " + rootMessage(e);
    }
    String reason = status == null ? null : status.getReason();
    if (reason == null || reason.isBlank()) {
      reason = reasonOf(e.getCode());
    }
    if (e.getCode() == 401) {
      return "error: You must be logged in to the server (Unauthorized)";
    }
    String message = status == null ? null : status.getMessage();
    if (message == null || message.isBlank()) {
      message = "the server answered " + e.getCode();
    }
    return "Error from server (" + reason + "): " + message;
  }

  static String reasonOf(int code) {
    return switch (code) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 409 -> "Conflict";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalError";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> "Unknown";
    };
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }
}
