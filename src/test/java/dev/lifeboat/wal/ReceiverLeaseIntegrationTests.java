package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.testing.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The receiver lease on the shared server, as the WAL receiver's role (LOGIN REPLICATION, no
 * superuser): one holder per target database, freed by closing or by the holder's connection going.
 */
class ReceiverLeaseIntegrationTests {

  private static final String PASSWORD = "pw-lease-7731";

  private static PostgresServer server;
  private static PgConnection role;

  @BeforeAll
  static void aReplicationRole() {
    server = PostgresServer.shared();
    role = server.replicationRole("lease_role", PASSWORD);
  }

  /** The role's connection to a database of its own: the lock is per database, so per test. */
  private static PgConnection target(String hint) {
    String db = server.createDatabase(hint).database();
    server.cluster().execute("GRANT CONNECT ON DATABASE " + db + " TO lease_role");
    return role.withDatabase(db);
  }

  @Test
  void oneNodeHoldsTheLeaseTheOtherSeesWhoAndTakesItOnceItIsFreed() throws SQLException {
    PgConnection app = target("lease_app");
    try (ReceiverLease n1 = ReceiverLease.open(app, "app", "n1");
        ReceiverLease n2 = ReceiverLease.open(app, "app", "n2")) {
      assertThat(n1.tryAcquire()).isTrue();
      assertThat(n1.tryAcquire()).as("holding it already").isTrue();

      assertThat(n2.tryAcquire()).isFalse();
      assertThat(n2.held()).isFalse();
      assertThat(n2.holder()).contains("lifeboat/app/lock/n1");

      n1.close();

      assertThat(n2.tryAcquire()).isTrue();
      assertThat(n2.holder()).contains("lifeboat/app/lock/n2");
    }
  }

  @Test
  void aHolderWhoseConnectionDiesFreesTheLease() throws Exception {
    PgConnection app = target("lease_killed");
    try (ReceiverLease n1 = ReceiverLease.open(app, "app", "n1");
        ReceiverLease n2 = ReceiverLease.open(app, "app", "n2")) {
      assertThat(n1.tryAcquire()).isTrue();
      // what a kill -9 of n1's JVM does to its session: the backend goes, the lock with it
      server
          .cluster()
          .execute(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  + " WHERE application_name = 'lifeboat/app/lock/n1'");

      Instant until = Instant.now().plus(Duration.ofSeconds(10));
      boolean taken = false;
      while (!taken && Instant.now().isBefore(until)) {
        taken = n2.tryAcquire();
        if (!taken) {
          Thread.sleep(100);
        }
      }
      assertThat(taken).isTrue();
      assertThat(n2.holder()).contains("lifeboat/app/lock/n2");
    }
  }

  @Test
  void aHeartbeatReadsTheServersWalPositionAndClockAndFailsOnceTheSessionIsGone()
      throws SQLException {
    PgConnection app = target("lease_beat");
    try (ReceiverLease n1 = ReceiverLease.open(app, "app", "n1")) {
      ReceiverLease.Heartbeat first = n1.beat();
      server.cluster().execute("SELECT pg_switch_wal()");
      server.cluster().execute("CREATE TABLE IF NOT EXISTS lease_beat_t AS SELECT 1 AS x");
      ReceiverLease.Heartbeat second = n1.beat();

      assertThat(first.serverLsn()).isGreaterThan(Lsn.INVALID);
      assertThat(second.serverLsn()).isGreaterThan(first.serverLsn());
      assertThat(second.serverTime()).isAfterOrEqualTo(first.serverTime());
      assertThat(second.inRecovery()).isFalse();
    }
  }

  @Test
  void aNewHolderEndsTheWalsendersOfEarlierReceiversOfItsTargetOnly() throws Exception {
    PgConnection app = target("lease_senders");
    // target names may hold '_', LIKE's one-character wildcard: a_p must not end axp's receiver
    try (Connection oldOfApp = walsender(PgReceiveWal.applicationName("a_p", "n0"));
        Connection mine = walsender(PgReceiveWal.applicationName("a_p", "n1"));
        Connection otherTarget = walsender(PgReceiveWal.applicationName("axp", "n0"));
        ReceiverLease n1 = ReceiverLease.open(app, "a_p", "n1")) {
      assertThat(n1.tryAcquire()).isTrue();

      assertThat(n1.endOtherReceivers("n1")).isEqualTo(1);

      assertThat(alive(oldOfApp)).as("the earlier receiver of a_p").isFalse();
      assertThat(alive(mine)).as("this node's own").isTrue();
      assertThat(alive(otherTarget)).as("axp is another target").isTrue();
    }
  }

  /** A physical replication connection named like a receiver's walsender. */
  private static Connection walsender(String applicationName) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", role.user());
    props.setProperty("password", PASSWORD);
    props.setProperty("ApplicationName", applicationName);
    props.setProperty("replication", "true");
    props.setProperty("preferQueryMode", "simple");
    props.setProperty("assumeMinServerVersion", "9.4");
    Connection c = DriverManager.getConnection(role.jdbcUrl(), props);
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
    }
    return c;
  }

  private static boolean alive(Connection c) {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      return rs.next();
    } catch (SQLException e) {
      return false;
    }
  }
}
