package dev.fanout.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A schema of its own on the test PostgreSQL server ({@code FANOUT_TEST_PG_URL}, started by .ci/run
 * or {@code scripts/postgres.sh start}), dropped by {@link #drop()}; the test is skipped without
 * one, and fails instead under {@code FANOUT_REQUIRE_POSTGRES=1}.
 *
 * <p>A schema per test: the mock API server hands out UIDs from a per-JVM counter, so rows a
 * previous run left in the same database would otherwise share UIDs with this run's Jobs.
 */
final class PostgresSchema {
  private final String url;
  private final String user;
  private final String password;
  private final String schema;

  private PostgresSchema(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.schema = "it_" + UUID.randomUUID().toString().replace("-", "");
    sql("CREATE SCHEMA " + schema);
  }

  /** A new schema, or the test skipped (or failed) when there is no PostgreSQL to test on. */
  static PostgresSchema createOrSkip() {
    String url = System.getenv("FANOUT_TEST_PG_URL");
    if (url == null) {
      if ("1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
        throw new IllegalStateException(
            "FANOUT_REQUIRE_POSTGRES=1 but FANOUT_TEST_PG_URL is unset: start PostgreSQL with"
                + " scripts/postgres.sh start");
      }
      assumeTrue(false, "PostgreSQL tests skipped: FANOUT_TEST_PG_URL is unset");
    }
    return new PostgresSchema(
        url, System.getenv("FANOUT_TEST_PG_USER"), System.getenv("FANOUT_TEST_PG_PASSWORD"));
  }

  /** An operator harness whose task rows live in this schema. */
  OperatorHarness harness() {
    String separator = url.contains("?") ? "&" : "?";
    return new OperatorHarness(url + separator + "currentSchema=" + schema, user, password);
  }

  void drop() {
    sql("DROP SCHEMA " + schema + " CASCADE");
  }

  private void sql(String statement) {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(statement + " failed on " + url, e);
    }
  }
}
