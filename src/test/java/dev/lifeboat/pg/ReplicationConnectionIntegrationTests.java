package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.ReplicationConnection.Identity;
import dev.lifeboat.pg.ReplicationConnection.ReplicationException;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.ServerOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What plan §2.6 asks of the server before any WAL is written, over a real replication connection
 * (1 MB WAL segments) as a role with LOGIN REPLICATION and no superuser.
 */
class ReplicationConnectionIntegrationTests {

  private static final String PASSWORD = "pw-walrole-5120";

  private static PostgresServer server;
  private static PgConnection replicator;

  @BeforeAll
  static void startAServerWithAReplicationRole() {
    server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    replicator = replicationRole(server);
  }

  @AfterAll
  static void stopTheServer() {
    if (server != null) {
      server.cluster().close();
    }
  }

  @Test
  void identifiesTheSystemTimelineAndSegmentSize() throws SQLException {
    try (ReplicationConnection rc = ReplicationConnection.open(replicator, "app")) {
      Identity id = rc.identifySystem();

      assertThat(id.systemIdentifier()).matches("\\d+").isEqualTo(systemIdentifier(server));
      assertThat(id.timeline()).isEqualTo(1);
      assertThat(id.xlogpos()).isGreaterThan(Lsn.INVALID);
      assertThat(id.dbname()).as("a physical connection is to no database").isNull();
      assertThat(rc.walSegmentSize()).isEqualTo(1024L * 1024);
      assertThat(rc.timelineHistory(1).switches()).isEmpty();
    }
  }

  @Test
  void twoClustersHaveTwoIdentifiers() {
    PostgresServer other = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    try (ReplicationConnection here = ReplicationConnection.open(replicator, "app");
        ReplicationConnection there = ReplicationConnection.open(replicationRole(other), "app")) {
      assertThat(there.identifySystem().systemIdentifier())
          .isNotEqualTo(here.identifySystem().systemIdentifier());
    } finally {
      other.cluster().close();
    }
  }

  @Test
  void aRoleWithoutReplicationIsRefusedByNameAndWithoutItsPassword() {
    server.cluster().createRole("plainrole", "pw-plain-8842", false);
    PgConnection plain =
        new PgConnection(
            "127.0.0.1", server.cluster().port(), "postgres", "plainrole", "pw-plain-8842");

    assertThatThrownBy(() -> ReplicationConnection.open(plain, "app").close())
        .isInstanceOf(ReplicationException.class)
        .hasMessageStartingWith("target app: cannot open a replication connection on 127.0.0.1:")
        .hasMessageContaining("as plainrole")
        .hasMessageContaining("REPLICATION")
        .hasMessageNotContaining("pw-plain-8842");
  }

  @Test
  void aServerThatIsNotThereIsNamed() {
    PgConnection nowhere = new PgConnection("127.0.0.1", 1, "postgres", "walrole", PASSWORD);

    assertThatThrownBy(() -> ReplicationConnection.open(nowhere, "app").close())
        .isInstanceOf(ReplicationException.class)
        .hasMessageStartingWith("target app: cannot open a replication connection on 127.0.0.1:1")
        .hasMessageContaining("accepts connections")
        .hasMessageNotContaining(PASSWORD);
  }

  private static PgConnection replicationRole(PostgresServer s) {
    s.cluster().createRole("walrole", PASSWORD, false);
    s.cluster().execute("ALTER ROLE walrole REPLICATION");
    return new PgConnection("127.0.0.1", s.cluster().port(), "postgres", "walrole", PASSWORD);
  }

  private static String systemIdentifier(PostgresServer s) throws SQLException {
    try (Connection c = s.connection("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
