package dev.fanout.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  private static final CpuTime.PerTask CPU = new CpuTime.PerTask(0.1, 0.2, 0, 0.3);
  private static final MemoryWatch.Figures MEMORY =
      new MemoryWatch.Figures(100 * Results.MIB, 20 * Results.MIB, 300 * Results.MIB, 5);

  @Test
  void withThePeerTheSideBySideTableHasTheRatiosAndTheirTargets() {
    Peer.Result peer =
        new Peer.Result(
            "bullmq",
            "ran",
            "bullmq 6.7.0",
            new Peer.Figures("bullmq 6.7.0", 20_000, 4, 8, 50_000, 10_000, 5_000, 2.0),
            30);

    Results r = results(peer);
    String table = Report.table(r);

    // Fanout's 4 workers packed: 25,000 tasks/s against 10,000: 2.5×, met.
    assertThat(r.target("e2e-vs-peer").met()).isTrue();
    assertThat(r.target("e2e-vs-peer").measured()).isEqualTo("2.50×");
    // Retry once: 4,000 against 5,000.
    assertThat(r.target("retry-vs-peer").met()).isFalse();
    assertThat(table)
        .contains(
            "Side by side with bullmq 6.7.0 (8): bullmq 6.7.0 on Redis, 20,000 jobs, 4 workers")
        .contains("| 25,000 tasks/s | 10,000 jobs/s | 2.50× | ≥ 2× bullmq: met |")
        .contains("| 4,000 tasks/s | 5,000 jobs/s | 0.80× | ≥ bullmq: **missed** |")
        .contains("| 60 ms | 2.0 ms | 30.00× | p50 < 100 ms: met (Fanout's own) |");
  }

  @Test
  void withoutThePeerTheTablesSayItWasNotRunAndItsTargetsAreNotMeasured() {
    Results r = results(Peer.Result.notRun("bullmq"));
    String table = Report.table(r);

    assertThat(r.target("e2e-vs-peer").met()).isNull();
    assertThat(table)
        .contains(
            "Side by side with bullmq (8): bullmq not run (scripts/bench.sh --peer bullmq runs it).")
        .contains("| 25,000 tasks/s | not run | – | ≥ 2× bullmq: not measured |")
        .contains("≥ 2× bullmq: not measured (side by side below)");
  }

  @Test
  void aFailedPeerIsSaidInTheTableAndTheFanoutFiguresStand() {
    Results r =
        results(new Peer.Result("bullmq", "failed", "run.sh exited with 1: npm ERR! a|b", null, 3));
    String table = Report.table(r);

    assertThat(table)
        .contains("bullmq run.sh exited with 1: npm ERR! a\\|b.")
        .contains("| 4,000 tasks/s | failed | – | ≥ bullmq: not measured |")
        .contains("| 2 | 2,000 noop tasks, 1 worker, tasksPerMessage 1, create → Succeeded");
  }

  @Test
  void theMainTableHasBothPackingsTheRetryTheExecAndBothReplays() {
    Results r = results(Peer.Result.notRun("bullmq"));
    String table = Report.table(r);

    assertThat(table)
        .contains("| 2 | 2,000 noop tasks, 4 workers, automatic packing, create → Succeeded")
        .contains(
            "| 2 | 2,000 noop tasks, 4 workers, tasksPerMessage 1, create → Succeeded | 1.0 s,"
                + " 2,000 tasks/s; 50% of the queue's drain rate just before (4,000 msg/s) | ≥ 50%"
                + " of the queue limit: met |")
        .contains("| 2 | tasksPerMessage 1: 4 workers ÷ 1 worker | 2.00× | 4 workers ≥ 1: met |")
        .contains("retry once: 2,000 fail tasks (failAttempts 1, backoff 0), 4 workers")
        .contains("2.00 attempts per task")
        .contains(
            "| 4 | status writes per 1,000 tasks in (2), automatic packing, with 1 · 4"
                + " workers | 2.0 · 3.0 | < 5: met |")
        .contains(
            "| 4 | status writes per 1,000 tasks in (2), tasksPerMessage 1, with 1 · 4"
                + " workers | 10.0 · 12.0 | < 20: met |")
        .contains("in runs of 10 consecutive tasks")
        .contains("| largest < 64 KiB: met |")
        .contains(
            "| 7 | exec of `true`, 500 tasks, 1 worker, create → Succeeded | 2.0 s, 250"
                + " tasks/s per worker; 25% of 1 worker's noop rate in (2) | reported |")
        .contains("0.50 ms · 1.50 ms · 0.10 ms · 0.20 ms (2.30 ms in all)");
  }

  @Test
  void theJsonHasEveryFigureAndTarget(@TempDir Path dir) throws Exception {
    Report.write(results(Peer.Result.notRun("bullmq")), dir);

    JsonNode json = new ObjectMapper().readTree(dir.resolve("benchmarks.json").toFile());
    assertThat(json.at("/endToEnd/runs/0/tasksPerMessage").isNull()).isTrue();
    assertThat(json.at("/endToEnd/runs/1/tasksPerMessage").asInt()).isEqualTo(1);
    assertThat(json.at("/endToEnd/retryOnce/attemptsPerTask").asDouble()).isEqualTo(2);
    assertThat(json.at("/exec/cpuMsPerTask/commands").asDouble()).isEqualTo(1.5);
    assertThat(json.at("/status/packedOrder/run").asInt()).isEqualTo(10);
    assertThat(json.at("/peer/status").asText()).isEqualTo("not run");
    assertThat(json.at("/targets").findValuesAsText("key"))
        .contains("e2e-vs-peer", "retry-vs-peer", "writes-packed", "status-packed", "exec");
    assertThat(Files.readString(dir.resolve("benchmarks.md"))).contains("Side by side with");
  }

  private static Results results(Peer.Result peer) {
    List<EndToEnd.Run> runs = new ArrayList<>();
    runs.add(run("e2e-1-auto", 1, null, 1_000, 2.0));
    runs.add(run("e2e-1-one", 1, 1, 1_000, 10.0));
    runs.add(run("e2e-4-auto", 4, null, 25_000, 3.0));
    runs.add(run("e2e-4-one", 4, 1, 2_000, 12.0));
    EndToEnd.Result e2e =
        new EndToEnd.Result(2_000, runs, run("retry-once", 4, null, 4_000, 20.0), MEMORY);
    QueueLimit.Result queue =
        new QueueLimit.Result(10_000, List.of(8_000.0), 8_000, Map.of(4, 4_000.0), 4_000, 0.5);
    FanOut.Result fanOut =
        new FanOut.Result(
            10_000, 1, 10_000, 15_000, 15_000, 15_000, 60_000, 0.66, 0.16, 10_000, MEMORY, CPU);
    StatusCost.Result status =
        new StatusCost.Result(
            new StatusCost.RandomOrder(10_000, 1, 100, 42, 30_000, 0.5, 400),
            new StatusCost.RandomOrder(10_000, 10, 100, 42, 3_000, 0.5, 400),
            null);
    Latency.Result latency = new Latency.Result(5, 60, 80, 90, 20, 30, List.of(), List.of());
    ExecCost.Result exec =
        new ExecCost.Result(500, 1, 2, 250, 1, new CpuTime.PerTask(0.1, 0.5, 1.5, 0.2));
    return new Results(
        new Machine("2026-01-01T00:00:00Z", 2, "cpu", 1024, "Linux", "java", "0 0 0", "1 1 1"),
        "settings",
        100,
        queue,
        e2e,
        fanOut,
        status,
        latency,
        exec,
        peer,
        Results.targets(e2e, fanOut, status, latency, exec, peer));
  }

  private static EndToEnd.Run run(
      String job, int workers, Integer tasksPerMessage, double rate, double writes) {
    int tasks = 2_000;
    return new EndToEnd.Run(
        job,
        workers,
        tasksPerMessage,
        tasks,
        tasks / rate,
        rate,
        4_000,
        rate / 4_000,
        writes * tasks / 1000,
        0,
        writes,
        0,
        0.3,
        job.startsWith("retry") ? 2 : 1,
        800,
        CPU);
  }
}
