package dev.fanout.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's behaviour on a real PostgreSQL server (started by .ci/run or {@code
 * scripts/postgres.sh start}).
 */
class OperatorPostgresIT extends OperatorBehaviour {
  @Override
  OperatorHarness harness() {
    String url = System.getenv("FANOUT_TEST_PG_URL");
    if (url == null) {
      if ("1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
        throw new IllegalStateException(
            "FANOUT_REQUIRE_POSTGRES=1 but FANOUT_TEST_PG_URL is unset: start PostgreSQL with"
                + " scripts/postgres.sh start");
      }
      assumeTrue(false, "PostgreSQL tests skipped: FANOUT_TEST_PG_URL is unset");
    }
    return new OperatorHarness(
        url, System.getenv("FANOUT_TEST_PG_USER"), System.getenv("FANOUT_TEST_PG_PASSWORD"));
  }
}
