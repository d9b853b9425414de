package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD is what the model generates. On purpose, after changing the model: {@code
 * ./mvnw -pl api test -Dfanout.updateCrd=true} rewrites {@code crds/} and the chart's copy.
 */
class CrdDriftTest {

  @Test
  void committedCrdIsWhatTheModelGenerates() throws Exception {
    CustomResourceDefinition generated = CrdFile.generated();
    Path committed = CrdFile.committedPath();
    if (Boolean.getBoolean("fanout.updateCrd")) {
      CrdFile.write(generated);
    }
    assertThat(committed)
        .as("crds/ must hold the generated CRD: run ./mvnw -pl api test -Dfanout.updateCrd=true")
        .exists();
    assertThat(CrdFile.read(committed))
        .as("crds/ differs from the model: run ./mvnw -pl api test -Dfanout.updateCrd=true")
        .isEqualTo(generated);
    assertThat(Files.readString(committed)).isEqualTo(CrdFile.render(generated));
  }

  @Test
  void theCrdHasTheNamesColumnsAndSubresourceOfTheApiContract() throws Exception {
    CustomResourceDefinition crd = CrdFile.read(CrdFile.committedPath());
    assertThat(crd.getApiVersion()).isEqualTo("apiextensions.k8s.io/v1");
    assertThat(crd.getMetadata().getName()).isEqualTo("jobs.fanout.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("fanout.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Job");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("jobs");
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo("job");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("fjob");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("fanout");
    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("Phase", "Progress", "Failed", "Duration", "Age", "Handler", "Pool");
    assertThat(version.getAdditionalPrinterColumns())
        .as("Handler and Pool are for -o wide only")
        .filteredOn(c -> c.getPriority() != null && c.getPriority() == 1)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("Handler", "Pool");
    assertThat(version.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getRequired())
        .containsExactlyInAnyOrder("handler", "tasks");
  }
}
