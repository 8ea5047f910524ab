package dev.lifeboat.pg;

/**
 * A running {@code pg_dump}: read {@link #output()} (the archive) to its end, then {@link
 * #finish()}, which throws a {@link PgToolException} with pg_dump's last complaint on a non-zero
 * exit.
 */
public final class PgDumpRun extends ClientRun {

  PgDumpRun(String tool, PgClientCommand.Started started, PgConnection conn) {
    super(tool, started, conn);
  }
}
