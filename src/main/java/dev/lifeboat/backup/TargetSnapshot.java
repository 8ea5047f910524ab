package dev.lifeboat.backup;

import dev.lifeboat.backup.Manifest.RlsState;
import dev.lifeboat.pg.PgConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session on the target that holds the backup lock and an exported snapshot: pg_dump imports the
 * snapshot, and the row counts and RLS state are read in it, so the manifest describes exactly
 * what is in the dump.
 */
final class TargetSnapshot implements AutoCloseable {

  /** Advisory lock key: class "LIFE" in ASCII, object 1 = backup. Per database, so per target. */
  static final int LOCK_CLASS = 0x4C494645;

  static final int LOCK_BACKUP = 1;

  private final Connection connection;
  private String snapshotId;

  private TargetSnapshot(Connection connection) {
    this.connection = connection;
  }

  /** Opens the session; connection failures surface as {@link SQLException}. */
  static TargetSnapshot connect(PgConnection target) throws SQLException {
    return new TargetSnapshot(target.open());
  }

  /** Takes the target's backup lock if free; the lock dies with the session, so a crash frees it. */
  boolean tryLock() throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
      ps.setInt(1, LOCK_CLASS);
      ps.setInt(2, LOCK_BACKUP);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Who holds the lock, for the refusal message. */
  Optional<String> lockHolder() throws SQLException {
    String sql = "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l"
        + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
        + " AND l.classid = ? AND l.objid = ? AND l.database ="
        + " (SELECT oid FROM pg_database WHERE datname = current_database())";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setInt(1, LOCK_CLASS);
      ps.setInt(2, LOCK_BACKUP);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return Optional.of("'" + rs.getString(1) + "' from " + Optional.ofNullable(rs.getString(2)).orElse("local socket")
              + " since " + rs.getTimestamp(3).toInstant());
        }
        return Optional.empty();
      }
    }
  }

  /** Starts the REPEATABLE READ transaction and exports its snapshot for pg_dump. */
  String exportSnapshot() throws SQLException {
    connection.setAutoCommit(false);
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement st = connection.createStatement()) {
      // Counting under RLS would silently count only visible rows; off makes it fail loudly instead.
      st.execute("SET LOCAL row_security = off");
      try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
        rs.next();
        snapshotId = rs.getString(1);
      }
    }
    return snapshotId;
  }

  String serverVersion() throws SQLException {
    return single("SHOW server_version").split(" ")[0];
  }

  int serverVersionNum() throws SQLException {
    return Integer.parseInt(single("SHOW server_version_num"));
  }

  String database() throws SQLException {
    return single("SELECT current_database()");
  }

  /** Exact row counts of every user table, in the snapshot. */
  Map<String, Long> rowCounts() throws SQLException {
    List<String[]> tables = new ArrayList<>();
    String sql = "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relkind = 'r' AND c.relpersistence <> 't'"
        + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        + " AND d.objid = c.oid AND d.deptype = 'e')"
        + " ORDER BY 1, 2";
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        tables.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String[] t : tables) {
      String name = t[0] + "." + t[1];
      try (Statement st = connection.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quote(t[0]) + "." + quote(t[1]))) {
        rs.next();
        counts.put(name, rs.getLong(1));
      } catch (SQLException e) {
        if ("42501".equals(e.getSQLState())) {
          throw new SQLException("cannot read table " + name + ": " + firstLine(e.getMessage())
              + "; back up as a superuser or a role with BYPASSRLS and SELECT on every table", e.getSQLState(), e);
        }
        throw e;
      }
    }
    return counts;
  }

  /** RLS enabled/forced and the policy count of every table that has RLS or policies. */
  Map<String, RlsState> rlsState() throws SQLException {
    String sql = "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        + " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        + " AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))"
        + " ORDER BY 1, 2";
    Map<String, RlsState> result = new LinkedHashMap<>();
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        result.put(rs.getString(1) + "." + rs.getString(2),
            new RlsState(rs.getBoolean(3), rs.getBoolean(4), rs.getInt(5)));
      }
    }
    return result;
  }

  private String single(String sql) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }

  @Override
  public void close() {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException ignored) {
      // closing below releases everything anyway
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the session is gone; its lock and snapshot with it
    }
  }
}
