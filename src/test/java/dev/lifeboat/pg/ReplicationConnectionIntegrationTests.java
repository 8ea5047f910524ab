package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.ReplicationConnection.Identity;
import dev.lifeboat.pg.ReplicationConnection.ReplicationException;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  /**
   * A timeline 2 without a standby: the stopped server restarted with {@code recovery.signal} and a
   * restore_command that finds nothing recovers what pg_wal holds, then ends recovery on a new
   * timeline and writes 00000002.history, as a promotion does.
   */
  @Test
  void readsTheHistoryOfATimelineAfterARecovery() throws Exception {
    PostgresServer promoted = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    Path data = promoted.cluster().dataDirectory();
    List<String> pgCtl =
        List.of(
            promoted.binaries().require("initdb", 0).path().resolveSibling("pg_ctl").toString(),
            "--pgdata=" + data,
            "--wait");
    try {
      PgConnection walrole = replicationRole(promoted);
      promoted.cluster().execute("CREATE TABLE t AS SELECT generate_series(1, 1000) AS x");
      promoted.cluster().stop();
      run(List.of("touch", data.resolve("recovery.signal").toString()));
      run(
          concat(
              pgCtl,
              "--log=" + promoted.cluster().logFile(),
              // targeted recovery needs a restore_command; one that finds nothing ends it at
              // pg_wal's end
              "--options=-p " + promoted.cluster().port() + " -c restore_command=false",
              "start"));

      try (ReplicationConnection rc = ReplicationConnection.open(walrole, "app")) {
        Identity id = rc.identifySystem();
        for (int i = 0; i < 100 && id.timeline() == 1; i++) {
          Thread.sleep(100);
          id = rc.identifySystem();
        }
        assertThat(id.timeline()).isEqualTo(2);
        WalFiles.History history = rc.timelineHistory(2);

        String onDisk = Files.readString(data.resolve("pg_wal/00000002.history"));
        assertThat(history).isEqualTo(WalFiles.History.parse(2, onDisk));
        assertThat(history.timelines()).containsExactly(1L, 2L);
        assertThat(history.switches().get(0).at()).isGreaterThan(Lsn.INVALID);
        assertThat(history.switches().get(0).at()).isLessThanOrEqualTo(id.xlogpos());
      }
    } finally {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        run(concat(pgCtl, "--mode=fast", "stop"));
      }
      promoted.cluster().close();
    }
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  // PostgreSQL refuses root: the harness runs its clusters as the postgres OS user (FIELD-NOTES)
  private static void run(List<String> cmd) throws Exception {
    List<String> full = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(cmd);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", full) + ": " + out).isZero();
  }

  private static PgConnection replicationRole(PostgresServer s) {
    return s.replicationRole("walrole", PASSWORD);
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
