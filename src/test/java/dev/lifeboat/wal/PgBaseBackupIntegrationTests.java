package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgBaseBackup;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.PgToolException;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.testing.PostgresServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real pg_basebackup 15 of the shared server, as a LOGIN REPLICATION role without superuser,
 * streamed through {@link TarScanner} into nothing: the tar pg_basebackup really writes to stdout
 * with {@code -Ft -X none} (label first, manifest last) and what the scanner reads of it.
 */
class PgBaseBackupIntegrationTests {

  private static final String PASSWORD = "pw-bbrole-5120";
  private static final long SEGMENT = 16L * 1024 * 1024;

  private static PostgresServer server;
  private static PgConnection replicator;
  private static PgTool tool;

  @BeforeAll
  static void makeTheRole() {
    server = PostgresServer.shared();
    replicator = server.replicationRole("bbrole", PASSWORD);
    tool =
        PgBaseBackup.find(
            server.binaries(), Integer.parseInt(server.cluster().version().split("\\.")[0]));
  }

  @Test
  void streamsOneTarWithTheLabelFirstAndTheManifestsWalRangeLast() throws Exception {
    Lsn before = Lsn.parse(superuserQuery("SELECT pg_current_wal_lsn()"));
    TarScanner scanner = new TarScanner(OutputStream.nullOutputStream());
    long bytes;
    try (PgBaseBackup.Run run =
        new PgBaseBackup(ProcessRunner.system()).start(tool, replicator, "app", "lifeboat-app-1")) {
      assertThat(run.command())
          .contains("--pgdata=-", "--format=tar", "--wal-method=none", "--checkpoint=fast");
      assertThat(String.join(" ", run.command())).doesNotContain(PASSWORD);
      bytes = run.output().transferTo(scanner);
      run.finish();
      assertThat(run.stderrTail())
          .contains("base backup completed")
          .doesNotContain("WAL archiving is not enabled");
    }
    TarScanner.Scan scan = scanner.finishWithManifest();
    Lsn after = Lsn.parse(superuserQuery("SELECT pg_current_wal_lsn()"));

    System.out.println(
        "pg_basebackup of the shared server: "
            + bytes
            + " bytes, "
            + scanner.members()
            + " members, "
            + scan);
    assertThat(scanner.firstName()).isEqualTo("backup_label");
    assertThat(scanner.lastName()).isEqualTo("backup_manifest");
    assertThat(scan.tarBytes()).isEqualTo(bytes);
    assertThat(scan.label().label()).isEqualTo("lifeboat-app-1");
    assertThat(scan.label().startTimeline()).isEqualTo(1);
    assertThat(scan.label().startLsn()).isGreaterThanOrEqualTo(before);
    assertThat(scan.label().startSegment())
        .isEqualTo(WalFiles.segmentOf(1, scan.label().startLsn(), SEGMENT).name());
    assertThat(scan.label().checkpointLsn()).isGreaterThanOrEqualTo(scan.label().startLsn());
    assertThat(scan.walRanges()).hasSize(1);
    assertThat(scan.stop().start()).isEqualTo(scan.label().startLsn());
    assertThat(scan.stop().end()).isGreaterThan(scan.stop().start()).isLessThanOrEqualTo(after);
    assertThat(scan.tablespaceMapBytes()).isZero();
  }

  @Test
  void aRoleWithoutReplicationIsRefusedWithTheTargetAndWhatToDo() throws Exception {
    server.cluster().createRole("bbplain", PASSWORD, false);
    PgConnection plain =
        new PgConnection("127.0.0.1", server.cluster().port(), "postgres", "bbplain", PASSWORD);
    PgBaseBackup.Run run =
        new PgBaseBackup(ProcessRunner.system()).start(tool, plain, "app", "lifeboat-app-2");
    byte[] out;
    try (InputStream in = run.output()) {
      out = in.readAllBytes();
    }
    assertThat(out).isEmpty();
    assertThatThrownBy(run::finish)
        .isInstanceOf(PgToolException.class)
        .hasMessageStartingWith(
            "base backup of target app from 127.0.0.1:" + server.cluster().port() + " as bbplain")
        .hasMessageContaining("replication")
        .hasMessageEndingWith("give the role LOGIN REPLICATION (ALTER ROLE <role> REPLICATION)")
        .hasMessageNotContaining(PASSWORD);
  }

  private static String superuserQuery(String sql) throws Exception {
    try (Connection c = server.connection("postgres").open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
