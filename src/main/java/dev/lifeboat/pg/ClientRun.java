package dev.lifeboat.pg;

import java.io.InputStream;
import java.util.List;

/**
 * A started client program whose stdout the caller reads to its end ({@code pg_dump}, {@code
 * pg_basebackup}): read {@link #output()}, then {@link #finish()}; its pgpass file goes when it
 * ends or is cancelled, and its stderr never shows the password.
 */
abstract class ClientRun implements AutoCloseable {

  final String tool;
  final ProcessRunner.RunningProcess process;
  final PgConnection conn;
  private final PgPassFile passFile;
  private boolean done;

  ClientRun(String tool, PgClientCommand.Started started, PgConnection conn) {
    this.tool = tool;
    this.process = started.process();
    this.passFile = started.passFile();
    this.conn = conn;
  }

  /** What the program writes on stdout. */
  public InputStream output() {
    return process.stdout();
  }

  /** The command line it was started with (it holds no password). */
  public List<String> command() {
    return process.command();
  }

  public long pid() {
    return process.pid();
  }

  /**
   * Waits for it to end.
   *
   * @throws PgToolException when it exits non-zero: see {@link #failure(int)}
   */
  public void finish() {
    try {
      int exit = process.waitFor();
      if (exit != 0) {
        throw failure(exit);
      }
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      throw new PgToolException(tool, PgToolException.NOT_STARTED, "interrupted");
    } finally {
      release();
    }
  }

  /** What {@link #finish()} throws for a non-zero exit: the program's last complaint. */
  PgToolException failure(int exit) {
    return new PgToolException(tool, exit, stderrTail());
  }

  /** Stops it (a failed upload, Ctrl-C); what it wrote must be discarded. */
  public void cancel() {
    try {
      process.destroy();
    } finally {
      release();
    }
  }

  /** Its stderr so far, password-free. */
  public String stderrTail() {
    return PgClientCommand.redact(process.stderrTail(), conn);
  }

  private synchronized void release() {
    done = true;
    if (passFile != null) {
      passFile.close();
    }
  }

  /** Cancels unless {@link #finish()} already ran. */
  @Override
  public void close() {
    boolean finished;
    synchronized (this) {
      finished = done;
    }
    if (!finished) {
      cancel();
    }
  }
}
