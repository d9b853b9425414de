package dev.fanout.cli;

import dev.fanout.api.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

/** A connection to the API server as the user, and the namespace a command acts in. */
record Kube(KubernetesClient client, Config config, String namespace) implements AutoCloseable {

  MixedOperation<Job, io.fabric8.kubernetes.api.model.KubernetesResourceList<Job>, Resource<Job>>
      jobs() {
    return client.resources(Job.class);
  }

  /** The Job, or the error kubectl gives when it does not exist. */
  Job job(String name) {
    Job job = jobs().inNamespace(namespace).withName(name).get();
    if (job == null) {
      throw new ServerError(ApiErrors.notFound(name));
    }
    return job;
  }

  @Override
  public void close() {
    client.close();
  }
}
