package dev.fanout.operator.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;

/**
 * The task-row database: a HikariCP pool, Flyway migrations run at start, and a Hibernate session
 * factory over the two entities. H2 by default, PostgreSQL by URL.
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final SessionFactory sessions;

  public Database(String url, String user, String password) {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    if (user != null) {
      hikari.setUsername(user);
    }
    if (password != null) {
      hikari.setPassword(password);
    }
    hikari.setMaximumPoolSize(8);
    hikari.setPoolName("fanout-db");
    // Start even while the database is away; readiness reports it and calls retry.
    hikari.setInitializationFailTimeout(-1);
    hikari.setConnectionTimeout(5_000);
    dataSource = new HikariDataSource(hikari);
    try {
      Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .load()
          .migrate();
      Configuration configuration =
          new Configuration()
              .addAnnotatedClass(JobRecord.class)
              .addAnnotatedClass(TaskRow.class)
              .setProperty("hibernate.jdbc.batch_size", "500")
              .setProperty("hibernate.order_inserts", "true")
              .setProperty("hibernate.order_updates", "true")
              .setProperty("hibernate.hbm2ddl.auto", "validate")
              .setProperty("hibernate.jdbc.time_zone", "UTC")
              .setProperty("hibernate.type.preferred_instant_jdbc_type", "TIMESTAMP");
      configuration.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource);
      sessions = configuration.buildSessionFactory();
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
  }

  /** The pool itself, for plain JDBC reads (the console's task pages). */
  public DataSource dataSource() {
    return dataSource;
  }

  public SessionFactory sessions() {
    return sessions;
  }

  /** Null when a connection works, else what is wrong. */
  public String problem() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(2) ? null : "database connection is not valid";
    } catch (SQLException e) {
      return "database: " + e.getMessage();
    }
  }

  @Override
  public void close() {
    sessions.close();
    dataSource.close();
  }
}
