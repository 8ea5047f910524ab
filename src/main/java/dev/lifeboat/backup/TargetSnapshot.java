package dev.lifeboat.backup;

import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgCatalog.RlsState;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on the target that holds the backup lock and an exported snapshot: pg_dump imports the
 * snapshot, and the table list, RLS state and any count(*) fallback are read in it, so the manifest
 * describes exactly what is in the dump.
 */
final class TargetSnapshot implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TargetSnapshot.class);

  private final Connection connection;
  private String snapshotId;

  private TargetSnapshot(Connection connection) {
    this.connection = connection;
  }

  /** Opens the session; connection failures surface as {@link SQLException}. */
  static TargetSnapshot connect(PgConnection target) throws SQLException {
    return new TargetSnapshot(target.open());
  }

  /**
   * Cancels the statement this session runs now, from another thread: a stop must not wait for a
   * query blocked on a table lock.
   */
  void cancelRunningQuery() {
    try {
      connection.unwrap(org.postgresql.PGConnection.class).cancelQuery();
    } catch (SQLException e) {
      // nothing to cancel, or the session is gone already
      LOG.debug("could not cancel the snapshot session's query: {}", e.getMessage());
    }
  }

  /**
   * Takes the target's backup lock if free; the lock dies with the session, so a crash frees it.
   */
  boolean tryLock() throws SQLException {
    return AdvisoryLock.tryLock(connection, AdvisoryLock.BACKUP);
  }

  /** Who holds the lock, for the refusal message. */
  Optional<String> lockHolder() throws SQLException {
    return AdvisoryLock.holder(connection, AdvisoryLock.BACKUP)
        .map(
            h -> {
              String app = h.applicationName();
              return (app == null || app.isEmpty() ? "a session of another role" : "'" + app + "'")
                  + (h.clientAddress() == null ? "" : " from " + h.clientAddress())
                  + (h.since() == null ? "" : " since " + h.since());
            });
  }

  /** Starts the REPEATABLE READ transaction and exports its snapshot for pg_dump. */
  String exportSnapshot() throws SQLException {
    connection.setAutoCommit(false);
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement st = connection.createStatement()) {
      // Counting under RLS would silently count only visible rows; off makes it fail loudly
      // instead.
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

  /**
   * Reads nothing from every table with row-level security, with {@code row_security = off}: a role
   * that RLS would filter fails here, by table name, before pg_dump starts.
   */
  void checkReadable() throws SQLException {
    for (String table : PgCatalog.rlsState(connection).keySet()) {
      String sql = "SELECT FROM " + PgCatalog.Table.parseKey(table).sql() + " LIMIT 0";
      try (Statement st = connection.createStatement()) {
        st.executeQuery(sql).close();
      } catch (SQLException e) {
        throw new SQLException(
            "cannot read table "
                + table
                + ": "
                + PgErrors.firstLine(e.getMessage())
                + "; back up as a superuser or a role with BYPASSRLS (row-level security is on)",
            e.getSQLState(),
            e);
      }
    }
  }

  /** Every user table that holds rows, in the snapshot. */
  List<PgCatalog.Table> tables() throws SQLException {
    return PgCatalog.tables(connection);
  }

  /** Exact row counts of {@code tables} by {@code count(*)}, in the snapshot. */
  Map<String, Long> rowCounts(List<PgCatalog.Table> tables) throws SQLException {
    return PgCatalog.rowCounts(connection, tables);
  }

  /** RLS enabled/forced and the policy count of every table that has RLS or policies. */
  Map<String, RlsState> rlsState() throws SQLException {
    return PgCatalog.rlsState(connection);
  }

  private String single(String sql) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Override
  public void close() {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      // closing below releases everything anyway
      LOG.debug("could not roll back the snapshot session: {}", e.getMessage());
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // the session is gone; its lock and snapshot with it
      LOG.debug("could not close the snapshot session: {}", e.getMessage());
    }
  }
}
