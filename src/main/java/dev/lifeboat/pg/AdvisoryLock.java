package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * Lifeboat's PostgreSQL advisory locks: session locks, so a crashed process frees them with its
 * connection. Class "LIFE" in ASCII; the object says what is locked.
 */
public final class AdvisoryLock {

  public static final int CLASS = 0x4C494645;

  /** One backup of a target at a time: taken on the target database. */
  public static final int BACKUP = 1;

  /** One drill per drill server at a time: taken on its maintenance database. */
  public static final int DRILL = 2;

  /**
   * One WAL receiver per target in the whole cluster: taken on the target database, so the node
   * that holds it is one that reaches the server it streams from.
   */
  public static final int WAL_RECEIVER = 3;

  private AdvisoryLock() {}

  /**
   * Takes lock {@code object} on the connection's database if free; false when someone holds it.
   */
  public static boolean tryLock(Connection connection, int object) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
      ps.setInt(1, CLASS);
      ps.setInt(2, object);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * The session holding lock {@code object} on the connection's database, as {@code
   * pg_stat_activity} shows it; empty when nobody holds it.
   */
  public static Optional<Holder> holder(Connection connection, int object) throws SQLException {
    String sql =
        "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l"
            + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            + " AND l.classid = ? AND l.objid = ? AND l.database ="
            + " (SELECT oid FROM pg_database WHERE datname = current_database())";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setInt(1, CLASS);
      ps.setInt(2, object);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Timestamp since = rs.getTimestamp(3);
        return Optional.of(
            new Holder(rs.getString(1), rs.getString(2), since == null ? null : since.toInstant()));
      }
    }
  }

  /**
   * A lock's holder: each part null where {@code pg_stat_activity} hides another role's session
   * (without pg_read_all_stats).
   */
  public record Holder(String applicationName, String clientAddress, Instant since) {}
}
