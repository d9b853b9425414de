package dev.fanout.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * The operator's behaviour on a real PostgreSQL server (started by .ci/run or {@code
 * scripts/postgres.sh start}).
 *
 * <p>Each test gets a schema of its own, dropped afterwards: the mock API server hands out UIDs
 * from a per-JVM counter, so rows a previous run left in the same database would otherwise share
 * UIDs with this run's Jobs.
 */
class OperatorPostgresIT extends OperatorBehaviour {
  private String url;
  private String user;
  private String password;
  private String schema;

  @Override
  OperatorHarness harness() {
    url = System.getenv("FANOUT_TEST_PG_URL");
    if (url == null) {
      if ("1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
        throw new IllegalStateException(
            "FANOUT_REQUIRE_POSTGRES=1 but FANOUT_TEST_PG_URL is unset: start PostgreSQL with"
                + " scripts/postgres.sh start");
      }
      assumeTrue(false, "PostgreSQL tests skipped: FANOUT_TEST_PG_URL is unset");
    }
    user = System.getenv("FANOUT_TEST_PG_USER");
    password = System.getenv("FANOUT_TEST_PG_PASSWORD");
    schema = "it_" + UUID.randomUUID().toString().replace("-", "");
    sql("CREATE SCHEMA " + schema);
    String separator = url.contains("?") ? "&" : "?";
    return new OperatorHarness(url + separator + "currentSchema=" + schema, user, password);
  }

  @Override
  @AfterEach
  void stop() {
    super.stop();
    if (schema != null) {
      sql("DROP SCHEMA " + schema + " CASCADE");
    }
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
