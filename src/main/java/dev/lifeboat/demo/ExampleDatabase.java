package dev.lifeboat.demo;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.pg.PgConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The sample multi-tenant database of {@code jobs/example/} ({@code schema.sql}, {@code data.sql}),
 * used by {@code demo}, the tests and the benchmarks. Scale 1 is about 30 MB of table data.
 */
public final class ExampleDatabase {

  /** Every table of the example, parents first. */
  public static final List<String> TABLES =
      List.of(
          "accounts",
          "users",
          "projects",
          "tasks",
          "comments",
          "attachments",
          "invoices",
          "invoice_lines",
          "audit_log");

  /** The tables holding one tenant's rows ({@code account_id}), confined by row-level security. */
  public static final List<String> TENANT_TABLES = TABLES.subList(1, TABLES.size());

  /** The NOLOGIN role the policies confine; a session sets {@code app.account_id}. */
  public static final String TENANT_ROLE = "app_tenant";

  /** What a load did. */
  public record Loaded(int scale, Duration elapsed, long tableBytes) {}

  private ExampleDatabase() {}

  /**
   * Creates the schema and generates the data at {@code scale} (linear: 20 is about 600 MB) in the
   * empty database of {@code conn}, whose user must be a superuser or own the database with
   * BYPASSRLS (row-level security is forced on the tables).
   */
  public static Loaded load(PgConnection conn, Path jobsExampleDir, int scale) {
    if (scale < 1) {
      throw new IllegalArgumentException("the example scale must be at least 1, not " + scale);
    }
    String schema = read(jobsExampleDir.resolve("schema.sql"));
    String data = read(jobsExampleDir.resolve("data.sql"));
    long start = System.nanoTime();
    try (Connection c = conn.open()) {
      c.setAutoCommit(true);
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('lifeboat.scale', ?, false)")) {
        ps.setString(1, String.valueOf(scale));
        ps.execute();
      }
      // each file is one multi-statement execution: pgjdbc splits it, dollar quotes included
      try (Statement s = c.createStatement()) {
        s.execute(schema);
        s.execute(data);
      }
      long bytes = 0;
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT coalesce(sum(pg_table_size(c.oid)), 0) FROM pg_class c"
                      + " WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace")) {
        rs.next();
        bytes = rs.getLong(1);
      }
      return new Loaded(scale, Duration.ofNanos(System.nanoTime() - start), bytes);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "loading the example database into "
              + conn.database()
              + " failed: "
              + e.getMessage()
              + "; load it into an empty database as a superuser",
          e);
    }
  }

  /** The tables of {@code c}'s public schema that have an {@code account_id} column. */
  public static List<String> tenantTables(Connection c) throws SQLException {
    return Jdbc.list(
        c,
        "SELECT table_name FROM information_schema.columns"
            + " WHERE table_schema = 'public' AND column_name = 'account_id'"
            + " ORDER BY table_name",
        rs -> rs.getString(1));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + "; pass the jobs/example directory of a Lifeboat checkout", e);
    }
  }
}
