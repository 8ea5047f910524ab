package dev.lifeboat.pg;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs {@code pg_dumpall --globals-only}: the cluster's roles, their memberships and settings (and
 * tablespaces), which a {@code pg_dump} archive does not carry. Role passwords only when asked.
 */
public final class PgDumpAll {

  private final ProcessRunner runner;

  public PgDumpAll(ProcessRunner runner) {
    this.runner = Objects.requireNonNull(runner);
  }

  /** The command line; public for tests that check no secret is in it. */
  public List<String> command(PgTool pgDumpAll, PgConnection conn, boolean rolePasswords) {
    List<String> command = new ArrayList<>();
    command.add(pgDumpAll.path().toString());
    command.add("--globals-only");
    if (!rolePasswords) {
      command.add("--no-role-passwords");
    }
    command.add("--no-password");
    command.add("--host=" + conn.host());
    command.add("--port=" + conn.port());
    command.add("--username=" + conn.user());
    // pg_dumpall's --dbname is a connection string; --database names the database to connect to
    command.add("--database=" + conn.database());
    return command;
  }

  /** The globals as SQL; throws {@link PgToolException} with pg_dumpall's last words on failure. */
  public String globals(
      PgTool pgDumpAll, PgConnection conn, boolean rolePasswords, Duration timeout) {
    List<String> command = command(pgDumpAll, conn, rolePasswords);
    try (PgPassFile passFile = conn.password() == null ? null : PgPassFile.create(conn)) {
      ProcessRunner.Result result =
          runner.run(command, PgClientCommand.environment(passFile, conn), null, timeout);
      if (result.exitCode() != 0) {
        throw new PgToolException(
            pgDumpAll.name(), result.exitCode(), PgClientCommand.redact(result.stderrTail(), conn));
      }
      return result.stdout();
    }
  }
}
