package dev.fanout.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobStatus;
import dev.fanout.api.RetryJob;
import dev.fanout.api.TaskFailure;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl fanout} through the real kubectl's plugin mechanism (./kubectl-fanout on the PATH)
 * on a real kube-apiserver, for the commands that need no operator: a Job given a hand-written
 * finished status through the status subresource is listed, retried, suspended and resumed, and
 * what lands on the server (after the CRD's defaults and CEL rules) is checked.
 */
class KubectlFanoutIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  private static final String NS = "cli-test";
  private static final String MANIFEST =
      """
      apiVersion: fanout.dev/v1alpha1
      kind: Job
      metadata:
        name: %s
        namespace: cli-test
        labels:
          team: a
      spec:
        handler: fail
        tasks:
          count: 10
        parameters:
          failIndexes: [2, 5, 6]
        maxAttempts: 2
      """;

  private static Cli kubectl;

  @BeforeAll
  static void install() {
    kube.installCrd();
    kube.createNamespace(NS);
    kubectl = kube.kubectlWithPlugins();
    apply("crunch");
    finish("crunch", JobPhase.Failed, "0-1,3-4,7-9", "2,5-6");
    apply("hello");
    finish("hello", JobPhase.Succeeded, "0-9", null);
  }

  @Test
  void kubectlFindsThePlugin() {
    assertThat(kubectl.run("plugin", "list").out()).contains("kubectl-fanout");
  }

  @Test
  void getListsTheJobsAsATable() {
    Cli.Result get = kubectl.run("fanout", "get", "-n", NS);
    assertThat(get.outOrFail().lines().toList())
        .element(0)
        .isEqualTo("NAME     PHASE       PROGRESS   FAILED   DURATION   AGE");
    assertThat(get.out())
        .containsPattern("(?m)^crunch   Failed      10/10      3        1m5s       \\d+s$")
        .containsPattern("(?m)^hello    Succeeded   10/10      0        1m5s       \\d+s$");
    Cli.Result empty = kubectl.run("fanout", "get", "-n", "default");
    assertThat(empty.exitCode()).isZero();
    assertThat(empty.err()).isEqualTo("No resources found in default namespace.\n");
  }

  @Test
  void aMissingJobIsOneLineAndExitCodeOne() {
    Cli.Result missing = kubectl.run("fanout", "get", "nope", "-n", NS);
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err())
        .isEqualTo("Error from server (NotFound): jobs.fanout.dev \"nope\" not found\n");
    assertThat(kubectl.run("fanout", "get", "--bogus").exitCode()).isEqualTo(2);
  }

  @Test
  void retryCreatesAJobForTheFailedIndexes() {
    Cli.Result retry = kubectl.run("fanout", "retry", "crunch", "-n", NS);
    assertThat(retry.outOrFail()).isEqualTo("job.fanout.dev/crunch-retry-1 created\n");

    Job created = job("crunch-retry-1");
    assertThat(created.getSpec().getTasks().getIndexes()).isEqualTo("2,5-6");
    assertThat(created.getSpec().getTasks().getCount()).isEqualTo(10);
    assertThat(created.getSpec().getHandler()).isEqualTo("fail");
    assertThat(created.getSpec().getMaxAttempts()).isEqualTo(2);
    assertThat(created.getSpec().getParameters().get("failIndexes")).hasSize(3);
    assertThat(created.getSpec().getSuspend()).isFalse();
    assertThat(created.getMetadata().getAnnotations())
        .containsEntry(RetryJob.RETRY_OF_ANNOTATION, "crunch");
    assertThat(created.getMetadata().getLabels()).containsEntry("team", "a");

    Cli.Result refused = kubectl.run("fanout", "retry", "hello", "-n", NS);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo(
            "error: job.fanout.dev/hello is Succeeded with no failed tasks: nothing to retry\n");
  }

  @Test
  void suspendAndResumePatchTheSpec() {
    assertThat(kubectl.run("fanout", "suspend", "hello", "-n", NS).outOrFail())
        .isEqualTo("job.fanout.dev/hello suspended\n");
    assertThat(job("hello").getSpec().getSuspend()).isTrue();
    assertThat(kubectl.run("fanout", "resume", "hello", "-n", NS).outOrFail())
        .isEqualTo("job.fanout.dev/hello resumed\n");
    assertThat(job("hello").getSpec().getSuspend()).isFalse();
  }

  @Test
  void kubectlCompletesThePluginsCommandsAndJobNames() {
    assertThat(kubectl.run("__complete", "fanout", "re").outOrFail())
        .contains("resume", "retry")
        .doesNotContain("get");
    assertThat(kubectl.run("__complete", "fanout", "retry", "-n", NS, "cr").outOrFail())
        .contains("crunch");
  }

  private static void apply(String name) {
    kube.kubectl().run(List.of("apply", "-f", "-"), MANIFEST.formatted(name)).outOrFail();
  }

  /** A finished status as the operator and workers would have written it. */
  private static void finish(String name, JobPhase phase, String completed, String failed) {
    Job job = job(name);
    JobStatus status = new JobStatus();
    status.setPhase(phase);
    status.setTotal(10);
    status.setCompletedIndexes(completed);
    status.setFailedIndexes(failed);
    int failedCount = failed == null ? 0 : 3;
    status.setSucceeded(10 - failedCount);
    status.setFailed(failedCount);
    status.setProgress("10/10");
    status.setDuration("1m5s");
    if (failed != null) {
      status.setFailures(List.of(new TaskFailure(2, 2, "Error", "index 2 fails every attempt")));
    }
    job.setStatus(status);
    kube.client().resource(job).updateStatus();
  }

  private static Job job(String name) {
    return kube.client().resources(Job.class).inNamespace(NS).withName(name).get();
  }
}
