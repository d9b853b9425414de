package dev.fanout.operator.reconcile;

import dev.fanout.api.JobPhase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The {@code fanout_jobs{phase}} gauges: how many Jobs this operator sees in each phase. */
final class JobPhaseGauges {
  private final Map<String, JobPhase> phases = new ConcurrentHashMap<>();

  JobPhaseGauges(MeterRegistry registry) {
    for (JobPhase phase : JobPhase.values()) {
      Gauge.builder("fanout_jobs", phases, m -> m.values().stream().filter(phase::equals).count())
          .tag("phase", phase.name())
          .register(registry);
    }
  }

  void set(String uid, JobPhase phase) {
    phases.put(uid, phase);
  }

  void remove(String uid) {
    phases.remove(uid);
  }
}
