package dev.fanout.operator.console;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code POST /api/v1/namespaces/NS/jobs}: a Job manifest (JSON or YAML) created as the user. With
 * Kubernetes auth the create goes out with the user's own token, so the user's RBAC, admission and
 * the CRD's validation apply exactly as to {@code kubectl create}, and their refusal is passed on.
 */
final class JobSubmission {
  private final KubernetesClient operatorClient;
  private final ConsoleAuth auth;

  JobSubmission(KubernetesClient operatorClient, ConsoleAuth auth) {
    this.operatorClient = operatorClient;
    this.auth = auth;
  }

  /** The manifest parsed and checked against the path's namespace; 400 naming what is wrong. */
  Job parse(String namespace, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw new ApiError(400, "the body must be a Job manifest (JSON or YAML); it is empty");
    }
    GenericKubernetesResource manifest;
    try {
      // Generic first: read as a Job straight away, a manifest of another kind would pass as one.
      manifest =
          operatorClient
              .getKubernetesSerialization()
              .unmarshal(text, GenericKubernetesResource.class);
    } catch (RuntimeException e) {
      throw new ApiError(400, "the body is not a Job manifest in JSON or YAML: " + brief(e));
    }
    if (manifest == null) {
      throw new ApiError(400, "the body must hold one Job manifest");
    }
    String apiVersion = HasMetadata.getApiVersion(Job.class);
    if (!"Job".equals(manifest.getKind()) || !apiVersion.equals(manifest.getApiVersion())) {
      throw new ApiError(
          400,
          "the manifest must be kind Job, apiVersion "
              + apiVersion
              + "; was kind "
              + manifest.getKind()
              + ", apiVersion "
              + manifest.getApiVersion());
    }
    Job job;
    try {
      job = operatorClient.getKubernetesSerialization().convertValue(manifest, Job.class);
    } catch (RuntimeException e) {
      throw new ApiError(400, "the manifest is not a valid Job: " + brief(e));
    }
    if (job.getMetadata() == null) {
      job.setMetadata(new ObjectMeta());
    }
    String inBody = job.getMetadata().getNamespace();
    if (inBody != null && !inBody.equals(namespace)) {
      throw new ApiError(
          400,
          "metadata.namespace \""
              + inBody
              + "\" differs from the path's namespace \""
              + namespace
              + "\"");
    }
    job.getMetadata().setNamespace(namespace);
    job.getMetadata().setResourceVersion(null);
    job.getMetadata().setUid(null);
    // The status is the operator's and the workers'; the API server drops it on create anyway.
    job.setStatus(null);
    return job;
  }

  /**
   * Creates the Job as the user. No SubjectAccessReview first: the API server's own answer is the
   * authority, names the user and the missing right, and a check of ours could only be staler.
   */
  Job create(Job job, Access.User user) {
    boolean asUser = auth == ConsoleAuth.KUBERNETES;
    KubernetesClient client = asUser ? clientOf(user) : operatorClient;
    try {
      return client.resource(job).create();
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code < 400 || code > 599) {
        throw new ApiError(502, "cannot reach the Kubernetes API server: " + brief(e));
      }
      String message =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : brief(e);
      throw new ApiError(code, message);
    } finally {
      if (asUser) {
        client.close();
      }
    }
  }

  /**
   * A client of the operator's API server (its URL and CA) holding only the user's token: no client
   * certificate, no other credentials of the operator's, nothing read from files or the pod.
   */
  private KubernetesClient clientOf(Access.User user) {
    Config own = operatorClient.getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(own.getMasterUrl())
            .withCaCertFile(own.getCaCertFile())
            .withCaCertData(own.getCaCertData())
            .withTrustCerts(own.isTrustCerts())
            .withDisableHostnameVerification(own.isDisableHostnameVerification())
            .withOauthToken(Objects.requireNonNull(user.token()))
            .withRequestTimeout(own.getRequestTimeout())
            .withConnectionTimeout(own.getConnectionTimeout())
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static String brief(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    message = message.lines().findFirst().orElse(message);
    return message.length() > 300 ? message.substring(0, 300) + "…" : message;
  }
}
