package dev.lifeboat.pg;

import java.io.InputStream;
import java.util.List;

/** A running {@code pg_dump}: read {@link #output()} to its end, then {@link #finish()}. */
public final class PgDumpRun implements AutoCloseable {

  private final String tool;
  private final ProcessRunner.RunningProcess process;
  private final PgPassFile passFile;
  private final PgConnection conn;
  private boolean done;

  PgDumpRun(
      String tool, ProcessRunner.RunningProcess process, PgPassFile passFile, PgConnection conn) {
    this.tool = tool;
    this.process = process;
    this.passFile = passFile;
    this.conn = conn;
  }

  /** The archive as pg_dump writes it. */
  public InputStream output() {
    return process.stdout();
  }

  /** The command line pg_dump was started with (it holds no password). */
  public List<String> command() {
    return process.command();
  }

  public long pid() {
    return process.pid();
  }

  /**
   * Waits for pg_dump to end.
   *
   * @throws PgToolException when it exits non-zero; the message is pg_dump's last complaint
   */
  public void finish() {
    try {
      int exit = process.waitFor();
      if (exit != 0) {
        throw new PgToolException(tool, exit, PgClientCommand.redact(process.stderrTail(), conn));
      }
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      throw new PgToolException(tool, PgToolException.NOT_STARTED, "interrupted");
    } finally {
      release();
    }
  }

  /** Stops pg_dump (a failed upload, Ctrl-C); the partial output must be discarded. */
  public void cancel() {
    try {
      process.destroy();
    } finally {
      release();
    }
  }

  /** pg_dump's stderr so far, password-free. */
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
