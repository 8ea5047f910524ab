package dev.lifeboat.pg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs {@code pg_restore} from a seekable archive file (so {@code --jobs} can work in parallel)
 * into an existing database. The password goes through a temporary pgpass file, never the
 * arguments; any failure is a {@link PgToolException} with pg_restore's own last words.
 */
public final class PgRestore {

  private final ProcessRunner runner;

  public PgRestore(ProcessRunner runner) {
    this.runner = Objects.requireNonNull(runner);
  }

  /** The command line for a restore; public for tests that check no secret is in it. */
  public List<String> command(
      PgTool pgRestore, Path archive, PgConnection into, int jobs, boolean noOwner) {
    return command(pgRestore, archive, into, jobs, noOwner, noOwner);
  }

  /**
   * As {@link #command(PgTool, Path, PgConnection, int, boolean)}; {@code noOwner} and {@code
   * noPrivileges} apart (a drill's restore role owns everything but keeps the grants).
   */
  public List<String> command(
      PgTool pgRestore,
      Path archive,
      PgConnection into,
      int jobs,
      boolean noOwner,
      boolean noPrivileges) {
    List<String> command = new ArrayList<>();
    command.add(pgRestore.path().toString());
    command.add("--exit-on-error");
    command.add("--jobs=" + Math.max(1, jobs));
    if (noOwner) {
      command.add("--no-owner");
    }
    if (noPrivileges) {
      command.add("--no-privileges");
    }
    command.addAll(PgClientCommand.connectionArgs(into));
    command.add(archive.toString());
    return command;
  }

  /**
   * Restores {@code archive} into {@code into}'s database, with {@code --no-owner} and {@code
   * --no-privileges} chosen apart; throws on any error.
   */
  public void restore(
      PgTool pgRestore,
      Path archive,
      PgConnection into,
      int jobs,
      boolean noOwner,
      boolean noPrivileges,
      Duration timeout) {
    List<String> command = command(pgRestore, archive, into, jobs, noOwner, noPrivileges);
    try (PgPassFile passFile = into.password() == null ? null : PgPassFile.create(into)) {
      ProcessRunner.Result result =
          runner.run(command, PgClientCommand.environment(passFile, into), null, timeout);
      if (result.exitCode() != 0) {
        throw new PgToolException(
            pgRestore.name(), result.exitCode(), PgClientCommand.redact(result.stderrTail(), into));
      }
    }
  }

  /**
   * Lists the archive's table of contents ({@code pg_restore --list}); fails on a damaged archive.
   */
  public String list(PgTool pgRestore, Path archive, Duration timeout) {
    List<String> command = List.of(pgRestore.path().toString(), "--list", archive.toString());
    ProcessRunner.Result result =
        runner.run(command, PgClientCommand.environment(null), null, timeout);
    if (result.exitCode() != 0) {
      throw new PgToolException(pgRestore.name(), result.exitCode(), result.stderrTail());
    }
    return result.stdout();
  }
}
