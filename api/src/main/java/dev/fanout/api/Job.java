package dev.fanout.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A batch job: {@code spec.tasks} fanned out to workers of {@code spec.pool}. */
@Group(Job.GROUP)
@Version(Job.VERSION)
@Kind("Job")
@Plural("jobs")
@Singular("job")
@ShortNames("fjob")
@Categories("fanout")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Failed",
    jsonPath = ".status.failed",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Job extends CustomResource<JobSpec, JobStatus> implements Namespaced {
  public static final String GROUP = "fanout.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "jobs." + GROUP;

  @Override
  protected JobStatus initStatus() {
    return null;
  }

  /** {@code namespace/name}, the way every log line names a Job. */
  public String ref() {
    return getMetadata().getNamespace() + "/" + getMetadata().getName();
  }
}
