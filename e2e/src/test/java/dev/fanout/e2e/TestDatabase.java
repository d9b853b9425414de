package dev.fanout.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The task-row database of one {@link LocalFanout}: a private in-memory H2, or a schema of its own
 * on the PostgreSQL server {@code FANOUT_TEST_PG_URL} names, dropped when closed (the mock API
 * server hands out UIDs from a per-JVM counter, so rows of an earlier run would collide).
 */
record TestDatabase(String url, String user, String password, String schema)
    implements AutoCloseable {

  static TestDatabase h2() {
    return new TestDatabase(
        "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", null);
  }

  /** PostgreSQL when the tests have one (as in CI), else H2. */
  static TestDatabase postgresOrH2() {
    String server = System.getenv("FANOUT_TEST_PG_URL");
    if (server == null) {
      if ("1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
        throw new IllegalStateException(
            "FANOUT_REQUIRE_POSTGRES=1 but FANOUT_TEST_PG_URL is unset: start PostgreSQL with"
                + " scripts/postgres.sh start");
      }
      return h2();
    }
    String user = System.getenv("FANOUT_TEST_PG_USER");
    String password = System.getenv("FANOUT_TEST_PG_PASSWORD");
    String schema = "e2e_" + UUID.randomUUID().toString().replace("-", "");
    sql(server, user, password, "CREATE SCHEMA " + schema);
    String separator = server.contains("?") ? "&" : "?";
    return new TestDatabase(server + separator + "currentSchema=" + schema, user, password, schema);
  }

  boolean isPostgres() {
    return schema != null;
  }

  @Override
  public void close() {
    if (schema != null) {
      sql(url, user, password, "DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private static void sql(String url, String user, String password, String statement) {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(statement + " failed on " + url, e);
    }
  }
}
