package dev.lifeboat.datamigrate;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.run.DataMigrationResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bookkeeping of data migrations inside the target database (schema {@code lifeboat}): one row
 * per migration (state, requested pause or cancel, last error) and one per key-range partition
 * (where it is). A chunk's progress row is updated in the chunk's own transaction, which is what
 * makes chunks exactly-once across crashes.
 */
final class ProgressTable {

  static final String MIGRATION = "lifeboat.data_migration";
  static final String PROGRESS = "lifeboat.data_migration_progress";

  /** Advisory lock class "LBDM": one runner per data migration name and target database. */
  static final int LOCK_CLASS = 0x4C42444D;

  static final String PAUSE = "pause";
  static final String CANCEL = "cancel";

  private ProgressTable() {}

  /** Creates the schema and tables when missing; safe to race with another process. */
  static void ensure(Connection c) throws SQLException {
    if (exists(c)) {
      return;
    }
    Jdbc.inTransaction(c, () -> createTables(c));
  }

  private static void createTables(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      // serialise concurrent creators (CREATE ... IF NOT EXISTS can still collide in pg_type)
      s.execute("SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", 0)");
      s.execute("CREATE SCHEMA IF NOT EXISTS lifeboat");
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + MIGRATION
              + " (name text PRIMARY KEY, table_name text NOT NULL, key_column text NOT NULL,"
              + " min_key bigint, max_key bigint, state text NOT NULL, requested text,"
              + " last_error text, rows_above_max bigint, node text,"
              + " created_at timestamptz NOT NULL DEFAULT now(), run_started_at timestamptz,"
              + " run_rows_start bigint NOT NULL DEFAULT 0,"
              + " updated_at timestamptz NOT NULL DEFAULT now())");
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + PROGRESS
              + " (name text NOT NULL, part int NOT NULL, from_key bigint NOT NULL,"
              + " to_key bigint NOT NULL, next_key bigint NOT NULL, rows bigint NOT NULL DEFAULT"
              + " 0, chunks bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT"
              + " now(), PRIMARY KEY (name, part))");
    }
  }

  static boolean exists(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT to_regclass('"
                    + MIGRATION
                    + "') IS NOT NULL"
                    + " AND to_regclass('"
                    + PROGRESS
                    + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** The runner's lock: held on its own session for the run, so a dead runner frees it. */
  static boolean tryLock(Connection c, String name) throws SQLException {
    return advisory(c, "pg_try_advisory_lock", name);
  }

  static void unlock(Connection c, String name) throws SQLException {
    advisory(c, "pg_advisory_unlock", name);
  }

  /** {@code function} (a pg_*advisory* one) on the runner's lock of {@code name}: its answer. */
  private static boolean advisory(Connection c, String function, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + function + "(" + LOCK_CLASS + ", hashtext(?))")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** The row of one migration. */
  record Row(
      String name,
      String table,
      String key,
      Long minKey,
      Long maxKey,
      DataMigrationResult.State state,
      String requested,
      String lastError,
      Long rowsAboveMax,
      Timestamp runStartedAt,
      long runRowsStart,
      Timestamp updatedAt) {}

  static Optional<Row> find(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT name, table_name, key_column, min_key, max_key, state, requested, last_error,"
                + " rows_above_max, run_started_at, run_rows_start, updated_at FROM "
                + MIGRATION
                + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                (Long) rs.getObject(4),
                (Long) rs.getObject(5),
                DataMigrationResult.State.of(rs.getString(6)),
                rs.getString(7),
                rs.getString(8),
                (Long) rs.getObject(9),
                rs.getTimestamp(10),
                rs.getLong(11),
                rs.getTimestamp(12)));
      }
    }
  }

  static List<DataMigrationStatus.Partition> partitions(Connection c, String name)
      throws SQLException {
    List<DataMigrationStatus.Partition> parts = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT part, from_key, to_key, next_key, rows, chunks FROM "
                + PROGRESS
                + " WHERE name = ? ORDER BY part")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          parts.add(
              new DataMigrationStatus.Partition(
                  rs.getInt(1),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6)));
        }
      }
    }
    return parts;
  }

  /**
   * Records the first start: the key range {@code [min, max]} split into {@code parallelism}
   * contiguous partitions, kept for every later run.
   */
  static void create(
      Connection c, DataMigrationSpec spec, Long min, Long max, int parallelism, String node)
      throws SQLException {
    Jdbc.inTransaction(c, () -> insert(c, spec, min, max, parallelism, node));
  }

  private static void insert(
      Connection c, DataMigrationSpec spec, Long min, Long max, int parallelism, String node)
      throws SQLException {
    Jdbc.update(
        c,
        "INSERT INTO "
            + MIGRATION
            + " (name, table_name, key_column, min_key, max_key, state, node)"
            + " VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        spec.name(),
        spec.table(),
        spec.key(),
        min,
        max,
        node);
    if (min != null) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + PROGRESS
                  + " (name, part, from_key, to_key, next_key) VALUES (?, ?, ?, ?, ?)")) {
        for (long[] range : split(min, max, parallelism)) {
          ps.setString(1, spec.name());
          ps.setInt(2, (int) range[0]);
          ps.setLong(3, range[1]);
          ps.setLong(4, range[2]);
          ps.setLong(5, range[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  /** {@code [min, max]} as up to {@code n} half-open ranges {@code {part, from, to}}. */
  static List<long[]> split(long min, long max, int n) {
    long span = max - min + 1;
    int parts = (int) Math.max(1, Math.min(n, span));
    List<long[]> ranges = new ArrayList<>();
    long from = min;
    for (int i = 0; i < parts; i++) {
      long to = i == parts - 1 ? max + 1 : min + span * (i + 1) / parts;
      ranges.add(new long[] {i, from, to});
      from = to;
    }
    return ranges;
  }

  static void setState(
      Connection c,
      String name,
      DataMigrationResult.State state,
      String error,
      boolean clearRequest)
      throws SQLException {
    Jdbc.update(
        c,
        "UPDATE "
            + MIGRATION
            + " SET state = ?, last_error = coalesce(?, last_error), updated_at = now()"
            + (clearRequest ? ", requested = NULL" : "")
            + " WHERE name = ?",
        state.word(),
        error,
        name);
  }

  /** A run begins: state running, error cleared, the rate measured from here. */
  static void started(Connection c, String name, String node) throws SQLException {
    Jdbc.update(
        c,
        "UPDATE "
            + MIGRATION
            + " SET state = 'running', last_error = NULL, node = ?, run_started_at = now(),"
            + " updated_at = now(), run_rows_start = (SELECT coalesce(sum(rows), 0) FROM "
            + PROGRESS
            + " WHERE name = ?) WHERE name = ?",
        node,
        name,
        name);
  }

  static void request(Connection c, String name, String request) throws SQLException {
    Jdbc.update(
        c,
        "UPDATE " + MIGRATION + " SET requested = ?, updated_at = now() WHERE name = ?",
        request,
        name);
  }

  static String requested(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT requested FROM " + MIGRATION + " WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  static void rowsAboveMax(Connection c, String name, long rows) throws SQLException {
    Jdbc.update(c, "UPDATE " + MIGRATION + " SET rows_above_max = ? WHERE name = ?", rows, name);
  }
}
