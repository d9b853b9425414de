package dev.fanout.operator.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.api.TaskSource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemandTest {

  static Job job(String pool, JobPhase phase, int total, int succeeded, int failed) {
    Job job = new Job();
    job.setMetadata(new ObjectMetaBuilder().withName("j").withNamespace("default").build());
    JobSpec spec = new JobSpec();
    spec.setHandler("noop");
    TaskSource tasks = new TaskSource();
    tasks.setCount(total);
    spec.setTasks(tasks);
    spec.setPool(pool);
    job.setSpec(spec);
    if (phase != null) {
      JobStatus status = new JobStatus();
      status.setPhase(phase);
      status.setTotal(total);
      status.setSucceeded(succeeded);
      status.setFailed(failed);
      job.setStatus(status);
    }
    return job;
  }

  @Test
  void aRunningJobNeedsItsUnfinishedTasks() {
    assertThat(Demand.runnable(job("default", JobPhase.Running, 1000, 300, 20))).isEqualTo(680);
  }

  @Test
  void parallelismCapsAJobsDemand() {
    Job job = job("default", JobPhase.Running, 1000, 0, 0);
    job.getSpec().setParallelism(2);
    assertThat(Demand.runnable(job)).isEqualTo(2);
    Job nearlyDone = job("default", JobPhase.Running, 1000, 999, 0);
    nearlyDone.getSpec().setParallelism(2);
    assertThat(Demand.runnable(nearlyDone)).isEqualTo(1);
  }

  @Test
  void suspendedPendingAndFinishedJobsNeedNothing() {
    Job suspendedSpec = job("default", JobPhase.Running, 100, 0, 0);
    suspendedSpec.getSpec().setSuspend(true);
    assertThat(Demand.runnable(suspendedSpec)).isZero();
    assertThat(Demand.runnable(job("default", JobPhase.Suspended, 100, 0, 0))).isZero();
    assertThat(Demand.runnable(job("default", JobPhase.Pending, 100, 0, 0))).isZero();
    assertThat(Demand.runnable(job("default", null, 100, 0, 0))).isZero();
    assertThat(Demand.runnable(job("default", JobPhase.Succeeded, 100, 100, 0))).isZero();
    assertThat(Demand.runnable(job("default", JobPhase.Failed, 100, 10, 1))).isZero();
  }

  @Test
  void poolsAddUpTheirJobs() {
    assertThat(
            Demand.byPool(
                List.of(
                    job("default", JobPhase.Running, 10, 0, 0),
                    job("default", JobPhase.Running, 5, 2, 0),
                    job("gpu", JobPhase.Running, 4, 0, 0),
                    job("idle", JobPhase.Succeeded, 4, 4, 0))))
        .containsExactly(
            java.util.Map.entry("default", 13),
            java.util.Map.entry("gpu", 4),
            java.util.Map.entry("idle", 0));
  }
}
