package dev.lifeboat.pg;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Runs {@code pg_basebackup -D - -Ft -X none -c fast} (issue 21, plan §4.2): one tar of the data
 * directory on stdout, {@code backup_label} first and {@code backup_manifest} last. {@code -X
 * none}: the WAL comes from the receiver ({@code -X stream} cannot write to stdout, {@code -X
 * fetch} needs the WAL kept meanwhile). It connects as the target's role, which needs LOGIN
 * REPLICATION; the password goes through a temporary pgpass file, never the arguments.
 */
public final class PgBaseBackup {

  public static final String TOOL = "pg_basebackup";

  // said on every run with -X none and no archive_command: expected, the receiver has the WAL
  static final String NO_ARCHIVING_NOTICE = "WAL archiving is not enabled";

  private final ProcessRunner runner;
  private final Path setpriv;

  /** With {@code setpriv} (util-linux) from PATH when there is one. */
  public PgBaseBackup(ProcessRunner runner) {
    this(runner, PgClientCommand.onPath("setpriv", System.getenv("PATH")).orElse(null));
  }

  PgBaseBackup(ProcessRunner runner, Path setpriv) {
    this.runner = Objects.requireNonNull(runner);
    this.setpriv = setpriv;
  }

  /** The pg_basebackup to copy a server of major version {@code serverMajor}. */
  public static PgTool find(PgBinaries binaries, int serverMajor) {
    return binaries.require(TOOL, serverMajor);
  }

  /** The name its walsender shows in {@code pg_stat_replication}. */
  public static String applicationName(String target) {
    return "lifeboat/" + target + "/basebackup";
  }

  /**
   * Starts the copy of {@code conn}'s server, labelled {@code label} (the label is in {@code
   * backup_label} and in the server's log). Read {@link Run#output()} to its end, then {@link
   * Run#finish()}.
   *
   * <p>Call it from the thread that reads the output: with {@code setpriv --pdeathsig TERM} the
   * kernel ends pg_basebackup when that thread goes (a JVM killed with -9 leaves no orphan
   * copying).
   */
  public Run start(PgTool tool, PgConnection conn, String target, String label) {
    List<String> command = command(tool, conn, applicationName(target), label);
    return new Run(PgClientCommand.start(runner, TOOL, command, conn), conn, target);
  }

  List<String> command(PgTool tool, PgConnection conn, String applicationName, String label) {
    List<String> command = PgClientCommand.dyingWithParent(setpriv, "TERM");
    command.add(tool.path().toString());
    command.add("--pgdata=-");
    command.add("--format=tar");
    command.add("--wal-method=none");
    command.add("--checkpoint=fast");
    command.add("--label=" + label);
    command.add("--manifest-checksums=CRC32C");
    command.add("--verbose");
    command.addAll(PgClientCommand.replicationArgs(conn, applicationName));
    return command;
  }

  /**
   * A running pg_basebackup: read {@link #output()} (the tar) to its end, then {@link #finish()},
   * which on a non-zero exit names the target, the server and role, its last complaint and what to
   * do.
   */
  public static final class Run extends ClientRun {

    private final String target;

    Run(PgClientCommand.Started started, PgConnection conn, String target) {
      super(TOOL, started, conn);
      this.target = target;
    }

    @Override
    PgToolException failure(int exit) {
      return failure(exit, stderrTail());
    }

    PgToolException failure(int exit, String stderr) {
      String line = PgToolException.lastMeaningfulLine(TOOL, stderr);
      return new PgToolException(
          TOOL,
          exit,
          stderr,
          "base backup of target "
              + target
              + " from "
              + conn.host()
              + ":"
              + conn.port()
              + " as "
              + conn.user()
              + ": "
              + TOOL
              + " "
              + PgToolException.outcome(TOOL, exit)
              + (line.isEmpty() ? "" : ": " + line)
              + ReplicationRefusal.hint(null, line));
    }

    /**
     * Its stderr so far, password-free, without the notice that WAL archiving is off (expected: the
     * receiver streams the WAL).
     */
    @Override
    public String stderrTail() {
      return super.stderrTail()
          .lines()
          .filter(l -> !l.contains(NO_ARCHIVING_NOTICE))
          .collect(Collectors.joining("\n"));
    }
  }
}
