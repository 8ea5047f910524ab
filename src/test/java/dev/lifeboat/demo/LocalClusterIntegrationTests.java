package dev.lifeboat.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalClusterIntegrationTests {

  private final PostgresServer server = PostgresServer.shared();

  @Test
  void acceptsThePasswordLoginOverTcp() throws SQLException {
    PgConnection conn = server.connection("postgres");
    try (Connection c = conn.open();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT current_user, inet_server_addr()::text,"
                    + " current_setting('server_version_num')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("postgres");
      assertThat(rs.getString(2)).startsWith("127.0.0.1");
      assertThat(server.cluster().version()).startsWith(PgBinaries.serverMajor(rs.getInt(3)) + ".");
    }
  }

  @Test
  void runsTheServerAsThePostgresOsUserWhenWeAreRoot() throws Exception {
    List<String> pidFile =
        Files.readAllLines(server.cluster().dataDirectory().resolve("postmaster.pid"));
    long pid = Long.parseLong(pidFile.get(0).trim());
    String expected =
        "root".equals(System.getProperty("user.name"))
            ? LocalCluster.OS_USER
            : System.getProperty("user.name");
    assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().user())).contains(expected);
  }

  @Test
  void rejectsAWrongPasswordWithoutEchoingIt() {
    PgConnection wrong =
        new PgConnection(
            "127.0.0.1", server.cluster().port(), "postgres", "postgres", "not-the-password-42");
    assertThatThrownBy(wrong::open)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password authentication failed")
        .hasMessageNotContaining("not-the-password-42")
        .hasMessageNotContaining(server.superuserPassword());
  }

  @Test
  void createsLoginRolesAndDatabases() throws SQLException {
    PgConnection db = server.createDatabase("roles");
    PgConnection role =
        server.cluster().createRole("alice_" + System.nanoTime(), "it's-alice", false);
    try (Connection c = role.withDatabase(db.database()).open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(role.user());
      assertThat(rs.getString(2)).isEqualTo(db.database());
    }
  }

  @Test
  void stopsIdempotentlyAndDeletesItsDirectoryOnClose() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-cluster-");
    LocalCluster cluster =
        LocalCluster.start(dir, server.binaries(), "pw-stop-test").deleteOnClose(true);
    assertThat(cluster.isRunning()).isTrue();
    try (Connection c = cluster.connection("postgres").open()) {
      assertThat(c.isValid(2)).isTrue();
    }
    cluster.stop();
    cluster.stop();
    assertThat(cluster.isRunning()).isFalse();
    assertThat(cluster.dataDirectory().resolve("postmaster.pid")).doesNotExist();
    cluster.close();
    assertThat(dir).doesNotExist();
  }

  @Test
  void saysSoWhenThePostgresOsUserCannotReachTheDirectory() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "only root hands over to postgres");
    Path hidden =
        Files.createTempDirectory(
            Path.of("/tmp"),
            "lifeboat-private-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      assertThatThrownBy(
              () -> LocalCluster.start(hidden.resolve("pg"), server.binaries(), "pw-unreachable"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot reach " + hidden.resolve("pg"))
          .hasMessageContaining("/tmp");
    } finally {
      Files.deleteIfExists(hidden.resolve("pg"));
      Files.deleteIfExists(hidden);
    }
  }

  @Test
  void refusesADirectoryThatAlreadyHoldsACluster() {
    assertThatThrownBy(
            () -> LocalCluster.start(server.cluster().directory(), server.binaries(), "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already holds a cluster");
  }
}
