package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
}
