package dev.fanout.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The database's own limit for what the fan-out does first: plain JDBC batch inserts of task rows,
 * 1,000 a batch in one transaction, into the operator's own schema (its Flyway migrations, read
 * from the built operator jar) on an H2 file database like the operator's default.
 */
final class JdbcInsertRate {
  private static final int BATCH = 1000;

  private JdbcInsertRate() {}

  /** Rows per second for {@code rows} rows, after a warm-up of a fifth as many. */
  static double measure(Path operatorJar, Path dir, int rows) throws SQLException, IOException {
    String url = "jdbc:h2:file:" + dir.resolve("raw-insert");
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      try (Statement s = c.createStatement()) {
        for (String sql : schema(operatorJar)) {
          s.execute(sql);
        }
      }
      c.setAutoCommit(false);
      insert(c, "warmup", rows / 5);
      long start = System.nanoTime();
      insert(c, "measured", rows);
      return rows / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void insert(Connection c, String uid, int rows) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "insert into fanout_task (job_uid, task_index, state, attempts) values (?, ?, ?, 0)")) {
      for (int i = 0; i < rows; i++) {
        insert.setString(1, uid);
        insert.setInt(2, i);
        insert.setString(3, "PENDING");
        insert.addBatch();
        if (i % BATCH == BATCH - 1) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
      c.commit();
    }
  }

  /** The statements of the jar's migrations, in version order. */
  static List<String> schema(Path operatorJar) throws IOException {
    List<String> statements = new ArrayList<>();
    try (ZipFile jar = new ZipFile(operatorJar.toFile())) {
      List<? extends ZipEntry> migrations =
          jar.stream()
              .filter(e -> e.getName().matches("db/migration/V\\d+__.*\\.sql"))
              .sorted(Comparator.comparingInt(JdbcInsertRate::version))
              .toList();
      if (migrations.isEmpty()) {
        throw new IllegalStateException(operatorJar + " holds no db/migration/V*.sql");
      }
      for (ZipEntry entry : migrations) {
        try (InputStream in = jar.getInputStream(entry)) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          StringBuilder sql = new StringBuilder();
          for (String line : text.split("\n")) {
            if (!line.strip().startsWith("--")) {
              sql.append(line).append('\n');
            }
          }
          for (String statement : sql.toString().split(";")) {
            if (!statement.isBlank()) {
              statements.add(statement.strip());
            }
          }
        }
      }
    }
    return statements;
  }

  private static int version(ZipEntry entry) {
    String name = entry.getName().substring("db/migration/V".length());
    return Integer.parseInt(name.substring(0, name.indexOf("__")));
  }
}
