package dev.lifeboat.pg;

import dev.lifeboat.base.LifeboatException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A physical replication connection to a target server (the walsender protocol, as pg_receivewal
 * speaks it), for what Lifeboat must know before it writes any WAL (plan §2.6): which cluster this
 * is, on which timeline, with which history and segment size. pgjdbc runs replication commands only
 * with {@code replication=true} and the simple query protocol (its replication docs). The role
 * needs {@code LOGIN REPLICATION} and a pg_hba {@code replication} entry; a refusal is a {@link
 * ReplicationException} naming the target, never the password.
 */
public final class ReplicationConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationConnection.class);

  // the walsender answers "could not open file ... 00000001.history": timeline 1 has none
  private static final long FIRST_TIMELINE = 1;

  private final Connection connection;
  private final PgConnection server;
  private final String target;

  private ReplicationConnection(Connection connection, PgConnection server, String target) {
    this.connection = connection;
    this.server = server;
    this.target = target;
  }

  /** Opens a replication connection to {@code server} for target {@code target} (in messages). */
  public static ReplicationConnection open(PgConnection server, String target) {
    Properties props = new Properties();
    server.params().forEach(props::setProperty);
    props.setProperty("user", server.user());
    if (server.password() != null) {
      props.setProperty("password", server.password());
    }
    props.setProperty("ApplicationName", "lifeboat");
    props.setProperty("connectTimeout", String.valueOf(PgConnection.CONNECT_TIMEOUT_SECONDS));
    props.setProperty("replication", "true");
    props.setProperty("preferQueryMode", "simple");
    props.setProperty("assumeMinServerVersion", "9.4");
    try {
      return new ReplicationConnection(
          DriverManager.getConnection(server.jdbcUrl(), props), server, target);
    } catch (SQLException e) {
      throw ReplicationRefusal.of(e, "open a replication connection", server, target);
    }
  }

  /** IDENTIFY_SYSTEM: which cluster, on which timeline, written up to where. */
  public Identity identifySystem() {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      if (!rs.next()) {
        throw new IllegalStateException("IDENTIFY_SYSTEM returned no row");
      }
      return new Identity(
          rs.getString("systemid"),
          Long.parseLong(rs.getString("timeline")),
          Lsn.parse(rs.getString("xlogpos")),
          rs.getString("dbname"));
    } catch (SQLException e) {
      throw ReplicationRefusal.of(e, "identify the system", server, target);
    }
  }

  /**
   * TIMELINE_HISTORY: the ancestors of {@code timeline} as the server's history file records them;
   * timeline 1 has no file and an empty history.
   */
  public WalFiles.History timelineHistory(long timeline) {
    WalFiles.requireTimeline(timeline);
    if (timeline == FIRST_TIMELINE) {
      return WalFiles.History.of(timeline);
    }
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
      if (!rs.next()) {
        throw new IllegalStateException("TIMELINE_HISTORY " + timeline + " returned no row");
      }
      // content is declared bytea but sent as the file's plain text (no \x escaping)
      return WalFiles.History.parse(rs.getString("filename"), rs.getString("content"));
    } catch (SQLException e) {
      throw ReplicationRefusal.of(e, "read the history of timeline " + timeline, server, target);
    }
  }

  /** {@code SHOW wal_segment_size} in bytes. */
  public long walSegmentSize() {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SHOW wal_segment_size")) {
      if (!rs.next()) {
        throw new IllegalStateException("SHOW wal_segment_size returned no row");
      }
      return WalFiles.segmentSize(rs.getString(1));
    } catch (SQLException e) {
      throw ReplicationRefusal.of(e, "read wal_segment_size", server, target);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing was asked of this connection any more: the server ends the walsender itself
      LOG.warn("target {}: closing the replication connection failed: {}", target, e.getMessage());
    }
  }

  /** What IDENTIFY_SYSTEM says: the system identifier is a 64-bit unsigned number, as digits. */
  public record Identity(String systemIdentifier, long timeline, Lsn xlogpos, String dbname) {}

  /** The server refused the connection or a replication command. */
  public static final class ReplicationException extends LifeboatException {

    ReplicationException(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public int exitCode() {
      return FAILED;
    }
  }
}
