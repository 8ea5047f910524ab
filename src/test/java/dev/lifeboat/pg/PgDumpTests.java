package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgDumpTests {

  private static final PgTool PG_DUMP =
      new PgTool("pg_dump", Path.of("/usr/lib/postgresql/15/bin/pg_dump"), "15.18", 15);
  private static final PgConnection CONN =
      new PgConnection("db.example", 6543, "app", "backup", "hunter22");

  /** Records what would be started and plays back a scripted outcome. */
  static final class FakeRunner implements ProcessRunner {
    List<String> command;
    Map<String, String> environment;
    String pgpassContent;
    int exitCode;
    String stderr = "";
    byte[] stdout = "PGDMP...".getBytes();
    boolean destroyed;

    @Override
    public RunningProcess start(List<String> cmd, Map<String, String> env, Path directory) {
      this.command = cmd;
      this.environment = new HashMap<>(env);
      try {
        pgpassContent = Files.readString(Path.of(env.get("PGPASSFILE")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new RunningProcess() {
        @Override
        public long pid() {
          return 42;
        }

        @Override
        public List<String> command() {
          return cmd;
        }

        @Override
        public InputStream stdout() {
          return new ByteArrayInputStream(stdout);
        }

        @Override
        public OutputStream stdin() {
          return new ByteArrayOutputStream();
        }

        @Override
        public int waitFor() {
          return exitCode;
        }

        @Override
        public int waitFor(Duration timeout) {
          return exitCode;
        }

        @Override
        public String stderrTail() {
          return stderr;
        }

        @Override
        public boolean isAlive() {
          return !destroyed;
        }

        @Override
        public void destroy() {
          destroyed = true;
        }
      };
    }
  }

  @Test
  void startsACustomFormatUncompressedDumpAtTheSnapshotWithoutThePasswordInItsArguments()
      throws IOException {
    FakeRunner runner = new FakeRunner();
    try (PgDumpRun run =
        new PgDump(runner).start(PG_DUMP, CONN, "00000003-0000001B-1", List.of())) {
      assertThat(run.output().readAllBytes()).startsWith("PGDMP".getBytes());
      run.finish();
    }
    assertThat(runner.command)
        .containsExactly(
            "/usr/lib/postgresql/15/bin/pg_dump",
            "--format=custom",
            "--compress=0",
            "--snapshot=00000003-0000001B-1",
            "--no-password",
            "--host=db.example",
            "--port=6543",
            "--username=backup",
            "--dbname=app");
    assertThat(String.join(" ", runner.command)).doesNotContain("hunter22");
    assertThat(runner.environment.values()).doesNotContain("hunter22");
    assertThat(runner.environment).containsEntry("PGPASSWORD", null);
    assertThat(runner.pgpassContent).isEqualTo("db.example:6543:*:backup:hunter22\n");
    assertThat(Path.of(runner.environment.get("PGPASSFILE"))).doesNotExist();
  }

  @Test
  void passesExtraArgumentsAndOmitsTheSnapshotWhenThereIsNone() {
    FakeRunner runner = new FakeRunner();
    new PgDump(runner).start(PG_DUMP, CONN, null, List.of("--exclude-table=audit_log")).finish();
    assertThat(runner.command).contains("--exclude-table=audit_log");
    assertThat(runner.command).noneMatch(a -> a.startsWith("--snapshot"));
  }

  @Test
  void quotesDatabaseNamesThatPgDumpWouldReadAsConnectionStrings() {
    assertThat(PgClientCommand.dbnameArg("a=b")).isEqualTo("dbname='a=b'");
    assertThat(PgClientCommand.dbnameArg("postgresql://x")).isEqualTo("dbname='postgresql://x'");
    assertThat(PgClientCommand.dbnameArg("it's")).isEqualTo("it's");
  }

  @Test
  void mapsANonZeroExitToAPasswordFreeExceptionAndDeletesThePgpassFile() {
    FakeRunner runner = new FakeRunner();
    runner.exitCode = 1;
    runner.stderr =
        "pg_dump: error: connection failed: FATAL:  password authentication failed; tried"
            + " hunter22\n";
    PgDumpRun run = new PgDump(runner).start(PG_DUMP, CONN, null, List.of());
    assertThatThrownBy(run::finish)
        .isInstanceOf(PgToolException.class)
        .hasMessageStartingWith("pg_dump failed (exit 1): connection failed: FATAL:")
        .hasMessageNotContaining("hunter22")
        .satisfies(e -> assertThat(((PgToolException) e).stderrTail()).doesNotContain("hunter22"));
    assertThat(Path.of(runner.environment.get("PGPASSFILE"))).doesNotExist();
  }

  @Test
  void cancelDestroysThePgDumpProcess() {
    FakeRunner runner = new FakeRunner();
    PgDumpRun run = new PgDump(runner).start(PG_DUMP, CONN, null, List.of());
    run.cancel();
    assertThat(runner.destroyed).isTrue();
    assertThat(Path.of(runner.environment.get("PGPASSFILE"))).doesNotExist();
  }

  @Test
  void reportsItsVersion() {
    assertThat(PgDump.version(PG_DUMP)).isEqualTo("15.18");
  }
}
