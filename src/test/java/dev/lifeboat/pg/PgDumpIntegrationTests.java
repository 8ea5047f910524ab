package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.demo.ExampleDatabase;
import dev.lifeboat.testing.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PgDumpIntegrationTests {

  private static PostgresServer server;
  private static PgConnection db;
  private static PgTool pgDump;

  @BeforeAll
  static void loadTheExample() {
    server = PostgresServer.shared();
    db = server.createDatabase("dump");
    ExampleDatabase.load(db, Path.of("jobs/example"), 1);
    pgDump = server.binaries().require("pg_dump", PgBinaries.majorOf(server.cluster().version()));
  }

  @Test
  void streamsACustomFormatArchiveOfTheExportedSnapshot() throws Exception {
    execute("CREATE TABLE marks (note text)", "INSERT INTO marks VALUES ('before-the-snapshot')");
    try (Connection holder = db.open()) {
      holder.setAutoCommit(false);
      String snapshot;
      try (Statement s = holder.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        try (ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
          rs.next();
          snapshot = rs.getString(1);
        }
      }
      execute("INSERT INTO marks VALUES ('after-the-snapshot')");

      byte[] archive;
      try (PgDumpRun run =
          new PgDump(ProcessRunner.system()).start(pgDump, db, snapshot, List.of())) {
        assertThat(run.command()).contains("--snapshot=" + snapshot);
        assertThat(String.join(" ", run.command())).doesNotContain(db.password());
        // the pipe fills long before 30 MB are written, so pg_dump is still there to look at
        assertNoPasswordInProcess(run.pid());
        archive = readAll(run.output());
        run.finish();
        assertThat(run.stderrTail()).doesNotContain(db.password());
      }
      holder.rollback();

      assertThat(new String(archive, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("PGDMP");
      assertThat(archive.length).isGreaterThan(20_000_000);
      String text = new String(archive, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("before-the-snapshot").doesNotContain("after-the-snapshot");
    } finally {
      execute("DROP TABLE marks");
    }
  }

  @Test
  void failsWithAClearPasswordFreeMessageOnAWrongPassword() throws IOException {
    PgConnection wrong =
        new PgConnection(db.host(), db.port(), db.database(), db.user(), "wrong-pass-123");
    PgDumpRun run = new PgDump(ProcessRunner.system()).start(pgDump, wrong, null, List.of());
    readAll(run.output());
    assertThatThrownBy(run::finish)
        .isInstanceOf(PgToolException.class)
        .hasMessageStartingWith("pg_dump failed (exit 1): ")
        .hasMessageContaining("password authentication failed for user \"postgres\"")
        .hasMessageNotContaining("wrong-pass-123")
        .hasMessageNotContaining(db.password());
  }

  @Test
  void sslParametersOfTheUrlReachPgDumpAndTheDriverAlike() throws IOException {
    // the test server has no SSL: requiring it must fail in both, which proves the setting arrived
    PgConnection requireSsl =
        PgConnection.fromJdbcUrl(db.jdbcUrl() + "?sslmode=require", db.user(), db.password());
    assertThatThrownBy(requireSsl::open).hasMessageContaining("SSL");
    PgDumpRun run = new PgDump(ProcessRunner.system()).start(pgDump, requireSsl, null, List.of());
    readAll(run.output());
    assertThatThrownBy(run::finish)
        .isInstanceOf(PgToolException.class)
        .hasMessageContaining("SSL")
        .hasMessageNotContaining(db.password());

    PgConnection disableSsl =
        PgConnection.fromJdbcUrl(db.jdbcUrl() + "?sslmode=disable", db.user(), db.password());
    PgDumpRun ok = new PgDump(ProcessRunner.system()).start(pgDump, disableSsl, null, List.of());
    assertThat(new String(readAll(ok.output()), 0, 5, StandardCharsets.US_ASCII))
        .isEqualTo("PGDMP");
    ok.finish();
  }

  @Test
  void reportsTheSameVersionAsItsBinary() {
    assertThat(PgDump.version(pgDump)).isEqualTo(server.cluster().version());
  }

  private static void assertNoPasswordInProcess(long pid) throws IOException {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    assertThat(handle).isPresent();
    Optional<String[]> args = handle.get().info().arguments();
    args.ifPresent(a -> assertThat(String.join(" ", a)).doesNotContain(db.password()));
    Path environ = Path.of("/proc", String.valueOf(pid), "environ");
    if (Files.isReadable(environ)) {
      String env = new String(Files.readAllBytes(environ), StandardCharsets.UTF_8);
      assertThat(env).contains("PGPASSFILE=").doesNotContain(db.password());
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  private static void execute(String... sql) throws SQLException {
    try (Connection c = db.open();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }
}
