package dev.fanout.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiServerMetricsTest {
  private static final String BEFORE =
      """
      # HELP apiserver_request_total [STABLE] Counter of apiserver requests.
      # TYPE apiserver_request_total counter
      apiserver_request_total{code="200",group="fanout.dev",resource="jobs",subresource="status",verb="PATCH"} 10
      apiserver_request_total{code="200",group="fanout.dev",resource="jobs",subresource="",verb="GET"} 3
      apiserver_request_total{code="200",group="",resource="pods",subresource="",verb="LIST"} 7
      process_start_time_seconds 1.7e+09
      """;
  private static final String AFTER =
      """
      apiserver_request_total{code="200",group="fanout.dev",resource="jobs",subresource="status",verb="PATCH"} 45
      apiserver_request_total{code="409",group="fanout.dev",resource="jobs",subresource="status",verb="PATCH"} 4
      apiserver_request_total{code="200",group="fanout.dev",resource="jobs",subresource="",verb="GET"} 3
      apiserver_request_total{code="200",group="",resource="pods",subresource="",verb="LIST"} 9
      apiserver_request_total{code="200",group="a\\"b",resource="x",subresource="",verb="GET"} 1 1700000000000
      """;

  @Test
  void differenceOfTwoSnapshotsSummedByLabel() {
    ApiServerMetrics delta = ApiServerMetrics.parse(AFTER).since(ApiServerMetrics.parse(BEFORE));
    Map<String, Long> status =
        delta.sumBy(
            "apiserver_request_total",
            s -> s.label("resource").equals("jobs") && s.label("subresource").equals("status"),
            "verb",
            "code");
    assertThat(status).containsExactly(Map.entry("PATCH 200", 35L), Map.entry("PATCH 409", 4L));
    assertThat(delta.sum("apiserver_request_total", s -> s.label("resource").equals("pods")))
        .isEqualTo(2);
  }

  @Test
  void readsEscapedLabelsTimestampsAndUnlabelledSamples() {
    ApiServerMetrics metrics = ApiServerMetrics.parse(BEFORE + AFTER);
    assertThat(metrics.sum("apiserver_request_total", s -> s.label("group").equals("a\"b")))
        .isEqualTo(1);
    assertThat(metrics.sum("process_start_time_seconds", s -> true)).isEqualTo(1_700_000_000L);
  }
}
