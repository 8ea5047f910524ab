package dev.lifeboat.wal;

import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.pg.ReplicationSlots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The right to stream one target's WAL, held by at most one node of the whole cluster: the session
 * advisory lock {@link AdvisoryLock#WAL_RECEIVER} on the target database itself, on a connection of
 * its own. A node that holds it reaches the server it streams from; a node killed with -9 frees it
 * with its socket; a node cut off from the server loses it within the keepalive settings below,
 * after its own heartbeat has already failed (so it stops streaming first).
 */
final class ReceiverLease implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("lifeboat.wal");

  /**
   * The driver gives up on a silent server after 8 s, so a heartbeat every 2 s notices a lost
   * server within 10 s: before the server's own keepalives (5 s idle + 3 probes 2 s apart) and its
   * 10 s user timeout free the lock for another node.
   */
  static final Map<String, String> DRIVER_PROPERTIES =
      Map.of("tcpKeepAlive", "true", "socketTimeout", "8");

  private static final String[] SESSION =
      new String[] {
        "SET tcp_keepalives_idle = 5",
        "SET tcp_keepalives_interval = 2",
        "SET tcp_keepalives_count = 3",
        "SET tcp_user_timeout = 10000",
        "SET statement_timeout = '5s'",
        "SET idle_session_timeout = 0",
        "SET idle_in_transaction_session_timeout = 0"
      };

  /** What one heartbeat read on the server: how far its WAL is written, by its own clock. */
  record Heartbeat(Lsn serverLsn, Instant serverTime, boolean inRecovery) {}

  private final Connection connection;
  private final String target;
  private boolean held;

  private ReceiverLease(Connection connection, String target) {
    this.connection = connection;
    this.target = target;
  }

  /**
   * Opens the lease's own connection to the target as {@code lifeboat/<target>/lock/<node>}; holds
   * nothing yet.
   */
  static ReceiverLease open(PgConnection server, String target, String node) throws SQLException {
    String name = "lifeboat/" + target + "/lock/" + node;
    Connection c = server.open(name, DRIVER_PROPERTIES);
    try (Statement st = c.createStatement()) {
      for (String set : SESSION) {
        st.execute(set);
      }
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return new ReceiverLease(c, target);
  }

  /**
   * Takes the lease if no node holds it; true when this lease holds it (also when it already did).
   */
  boolean tryAcquire() throws SQLException {
    if (!held) {
      held = AdvisoryLock.tryLock(connection, AdvisoryLock.WAL_RECEIVER);
    }
    return held;
  }

  boolean held() {
    return held;
  }

  /**
   * One round trip on the lease's connection; an exception means the lease is to be taken as lost.
   */
  Heartbeat beat() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()"
                    + " ELSE pg_current_wal_lsn() END, clock_timestamp(), pg_is_in_recovery()")) {
      rs.next();
      String lsn = rs.getString(1);
      return new Heartbeat(
          lsn == null ? Lsn.INVALID : Lsn.parse(lsn),
          rs.getTimestamp(2).toInstant(),
          rs.getBoolean(3));
    }
  }

  /**
   * Which session holds the lease, as its {@code application_name} ({@code
   * lifeboat/<target>/lock/<node>}) when the server shows it to this role.
   */
  Optional<String> holder() throws SQLException {
    // another role's sessions show a null name to a role without pg_read_all_stats
    return AdvisoryLock.holder(connection, AdvisoryLock.WAL_RECEIVER)
        .map(AdvisoryLock.Holder::applicationName);
  }

  /**
   * Ends every walsender of this target's receivers except {@code node}'s own: a previous holder
   * that lost the lease but still streams (its JVM killed with -9 and no parent-death signal, or a
   * partition that healed) must not stream beside the new one. The same role may end its own
   * sessions without being superuser. Returns how many it ended.
   */
  int endOtherReceivers(String node) throws SQLException {
    String prefix = PgReceiveWal.applicationName(target, "");
    String sql =
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_replication"
            + " WHERE left(application_name, length(?)) = ? AND application_name <> ?";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, prefix);
      ps.setString(2, prefix);
      ps.setString(3, PgReceiveWal.applicationName(target, node));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        int ended = rs.getInt(1);
        if (ended > 0) {
          LOG.warn("wal {}: ended {} walsender(s) of an earlier receiver", target, ended);
        }
        return ended;
      }
    }
  }

  /** The target's replication slots, on the lease's connection. */
  ReplicationSlots slots() {
    return new ReplicationSlots(connection, target);
  }

  /** The server's major version (15 for 15.18), to choose the matching pg_receivewal. */
  int serverMajor() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      return rs.getInt(1) / 10000;
    }
  }

  /**
   * Frees the lease and closes its connection; never throws (a dead connection freed it already).
   */
  @Override
  public void close() {
    try (connection) {
      if (held && !connection.isClosed()) {
        try (PreparedStatement ps =
            connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
          ps.setInt(1, AdvisoryLock.CLASS);
          ps.setInt(2, AdvisoryLock.WAL_RECEIVER);
          ps.execute();
        }
      }
    } catch (SQLException e) {
      LOG.debug("wal {}: closing the receiver lease: {}", target, e.getMessage());
    } finally {
      held = false;
    }
  }
}
