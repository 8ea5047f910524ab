package dev.lifeboat.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs {@code pg_dump} to stream a custom-format, uncompressed archive (compression is ours, zstd,
 * outside: faster and smaller than pg_dump's gzip). The password goes through a temporary pgpass
 * file, never the arguments.
 */
public final class PgDump {

  private final ProcessRunner runner;

  public PgDump(ProcessRunner runner) {
    this.runner = Objects.requireNonNull(runner);
  }

  /**
   * Starts {@code pg_dump --format=custom --compress=0} of {@code conn}'s database. With a {@code
   * snapshotId} (from {@code pg_export_snapshot()} in a transaction the caller keeps open) the dump
   * sees exactly that snapshot. The caller reads {@link PgDumpRun#output()} to its end, then calls
   * {@link PgDumpRun#finish()}.
   */
  public PgDumpRun start(
      PgTool pgDump, PgConnection conn, String snapshotId, List<String> extraArgs) {
    List<String> command = new ArrayList<>();
    command.add(pgDump.path().toString());
    command.add("--format=custom");
    command.add("--compress=0");
    if (snapshotId != null) {
      command.add("--snapshot=" + snapshotId);
    }
    command.addAll(extraArgs);
    command.addAll(PgClientCommand.connectionArgs(conn));
    PgClientCommand.Started started = PgClientCommand.start(runner, pgDump.name(), command, conn);
    return new PgDumpRun(pgDump.name(), started, conn);
  }

  /** The version of this pg_dump, as recorded in a backup's manifest ({@code 15.18}). */
  public static String version(PgTool pgDump) {
    return pgDump.version();
  }
}
