package dev.fanout.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LocalStack setup in localstack/ hangs together with the chart's LocalStack values. */
class LocalStackSetupTest {
  private static final Path DIR = RenderedChart.repositoryRoot().resolve("localstack");
  private static final String SCRIPT = "init/ready.d/fanout-queues.sh";

  @Test
  void manifestIsANamespaceDeploymentAndServiceOnPort4566() throws IOException {
    List<HasMetadata> objects =
        Arrays.stream(Files.readString(DIR.resolve("localstack.yaml")).split("(?m)^---\\s*$"))
            .filter(doc -> !doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#")))
            .map(doc -> Serialization.<HasMetadata>unmarshal(doc, HasMetadata.class))
            .toList();

    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .containsExactly("Namespace", "Deployment", "Service");
    Deployment deployment = (Deployment) objects.get(1);
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getEnv())
        .anyMatch(e -> e.getName().equals("SERVICES") && e.getValue().equals("sqs"));
    assertThat(container.getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals("/etc/localstack/init/ready.d"));
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(
            v -> v.getConfigMap() != null && v.getConfigMap().getName().equals("localstack-init"));
    Service service = (Service) objects.get(2);
    assertThat(service.getSpec().getPorts().getFirst().getPort()).isEqualTo(4566);

    String values = Files.readString(DIR.resolve("values-localstack.yaml"));
    assertThat(values)
        .contains(
            "http://"
                + service.getMetadata().getName()
                + "."
                + service.getMetadata().getNamespace()
                + ".svc.cluster.local:4566");
  }

  @Test
  void initScriptCreatesTheDefaultPoolsQueuesWithARedrivePolicy() throws IOException {
    Path script = DIR.resolve(SCRIPT);
    assertThat(Files.readString(DIR.resolve("kustomization.yaml")))
        .contains(SCRIPT)
        .contains("localstack-init");
    assertThat(Files.isExecutable(script)).isTrue();

    String text = Files.readString(script);
    assertThat(text)
        .contains("prefix=\"${FANOUT_QUEUE_PREFIX:-fanout-}\"")
        .contains("pool=\"${FANOUT_POOL:-default}\"")
        .contains("--queue-name \"${prefix}${pool}-dlq\"")
        .contains("--queue-name \"${prefix}${pool}\"")
        .contains("--queue-name \"${prefix}outcomes\"")
        .contains("RedrivePolicy")
        .contains("deadLetterTargetArn")
        .contains("VisibilityTimeout");
  }
}
