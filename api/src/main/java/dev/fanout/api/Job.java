package dev.fanout.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

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
    name = "Duration",
    jsonPath = ".status.duration",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Handler",
    jsonPath = ".spec.handler",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Pool",
    jsonPath = ".spec.pool",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
public class Job extends CustomResource<JobSpec, JobStatus> implements Namespaced {
  public static final String GROUP = "fanout.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "jobs." + GROUP;

  /**
   * The classpath resource holding the committed {@code crds/jobs.fanout.dev-v1.yml}: what {@code
   * kubectl apply -f crds/} and the chart install, with the printer columns in their order (the
   * generator's own output under {@code META-INF/fabric8/} sorts them by JSON path).
   */
  public static final String CRD_RESOURCE = "/META-INF/fanout/" + CRD_NAME + "-v1.yml";

  /** The committed CRD, ready to create on an API server. */
  public static CustomResourceDefinition crd() {
    try (InputStream in = Job.class.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the Job CRD " + CRD_RESOURCE + " is not on the classpath");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected JobStatus initStatus() {
    return null;
  }

  /** {@code namespace/name}, the way every log line names a Job. */
  public String ref() {
    return getMetadata().getNamespace() + "/" + getMetadata().getName();
  }
}
