package dev.lifeboat.pg;

import dev.lifeboat.base.Word;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code pg_receivewal} (issue 21, plan §2.3): {@code --no-loop} (Lifeboat restarts it, not
 * pg_receivewal itself), never {@code --slot} (Lifeboat moves its slot only to WAL a store holds;
 * with {@code --slot} the server may recycle WAL that is only on the local disk), no compression
 * (ours is zstd, after). It starts at the segment of the highest {@code .partial} in its directory:
 * seed one to choose where. The password goes through a temporary pgpass file, never the arguments.
 */
public final class PgReceiveWal {

  public static final String TOOL = "pg_receivewal";

  private static final Logger LOG = LoggerFactory.getLogger(PgReceiveWal.class);

  // pg_receivewal sends a status packet this often; also how soon a dead server is noticed
  private static final int STATUS_INTERVAL_SECONDS = 10;
  private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);

  private final ProcessRunner runner;
  private final Path setpriv;

  /** With {@code setpriv} (util-linux) from PATH when there is one. */
  public PgReceiveWal(ProcessRunner runner) {
    this(runner, PgClientCommand.onPath("setpriv", System.getenv("PATH")).orElse(null));
  }

  PgReceiveWal(ProcessRunner runner, Path setpriv) {
    this.runner = Objects.requireNonNull(runner);
    this.setpriv = setpriv;
  }

  /** The pg_receivewal to stream from a server of major version {@code serverMajor}. */
  public static PgTool find(PgBinaries binaries, int serverMajor) {
    return binaries.require(TOOL, serverMajor);
  }

  /**
   * The name its walsender shows in {@code pg_stat_replication}: {@code lifeboat/<target>/<node>},
   * so a new leader finds (and ends) every receiver of the target that is not its own.
   */
  public static String applicationName(String target, String node) {
    return "lifeboat/" + target + "/" + node;
  }

  /**
   * Starts streaming the WAL of {@code conn}'s server into {@code directory} (which must exist).
   *
   * <p>Call it from a thread that lives as long as the run: with {@code setpriv --pdeathsig INT}
   * the kernel interrupts pg_receivewal when its parent goes (a JVM killed with -9 leaves no orphan
   * streaming), and "parent" is the thread that started it: a pool thread that ends would stop a
   * healthy pg_receivewal.
   */
  public Run start(PgTool tool, PgConnection conn, Path directory, String target, String node) {
    List<String> command = command(tool, conn, directory, applicationName(target, node));
    PgClientCommand.Started started = PgClientCommand.start(runner, TOOL, command, conn);
    try {
      // it writes nothing on stdout; an unread pipe is harmless, an unclosed one a leak
      started.process().stdout().close();
    } catch (IOException e) {
      LOG.debug("could not close pg_receivewal's stdout: {}", e.toString());
    }
    return new Run(runner, started.process(), started.passFile(), conn, directory);
  }

  List<String> command(PgTool tool, PgConnection conn, Path directory, String applicationName) {
    List<String> command = PgClientCommand.dyingWithParent(setpriv, "INT");
    command.add(tool.path().toString());
    command.add("--directory=" + directory);
    command.add("--no-loop");
    command.add("--verbose");
    command.add("--status-interval=" + STATUS_INTERVAL_SECONDS);
    command.addAll(PgClientCommand.replicationArgs(conn, applicationName));
    return command;
  }

  /** A running pg_receivewal. */
  public static final class Run implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(20);

    private final ProcessRunner runner;
    private final ProcessRunner.RunningProcess process;
    private final PgPassFile passFile;
    private final PgConnection conn;
    private final Path directory;
    private volatile boolean stopAsked;
    private volatile Ending ending;

    Run(
        ProcessRunner runner,
        ProcessRunner.RunningProcess process,
        PgPassFile passFile,
        PgConnection conn,
        Path directory) {
      this.runner = runner;
      this.process = process;
      this.passFile = passFile;
      this.conn = conn;
      this.directory = directory;
    }

    public long pid() {
      return process.pid();
    }

    /** The command line it was started with (it holds no password). */
    public List<String> command() {
      return process.command();
    }

    public Path directory() {
      return directory;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Its stderr so far, line by line (the last 64 KiB), password-free. */
    public List<String> stderrLines() {
      return PgClientCommand.redact(process.stderrTail(), conn).lines().toList();
    }

    /**
     * Waits at most {@code timeout} for it to end by itself; empty while it still runs (it is left
     * running).
     */
    public Optional<Ending> waitFor(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (process.isAlive()) {
        if (System.nanoTime() - deadline >= 0) {
          return Optional.empty();
        }
        Thread.sleep(POLL.toMillis());
      }
      return Optional.of(ended());
    }

    /**
     * Stops it the clean way: SIGINT, on which it closes its files (the current {@code .partial} is
     * kept, not renamed) and exits 0; SIGKILL when it has not gone within {@code grace}. Never
     * SIGTERM: pg_receivewal 15 does not handle it and dies mid-write (exit 143).
     */
    public Ending stop(Duration grace) throws InterruptedException {
      if (process.isAlive()) {
        // only a run we stop is "stopped": one that already ended keeps its own ending
        stopAsked = true;
        signal("INT");
        if (waitFor(grace).isEmpty()) {
          LOG.warn(
              "pg_receivewal {} did not stop within {} s of SIGINT; killing it",
              pid(),
              grace.toSeconds());
          kill();
        }
      }
      return ended();
    }

    /** SIGKILL, at once: the partial's bytes written so far stay in the file. */
    public void kill() {
      if (process.isAlive()) {
        ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }

    /** After it ended: the ending, its exit code and its last meaningful line, password-free. */
    public String describe() {
      Ending e = ending;
      if (e == null) {
        return TOOL + " (pid " + pid() + ") is running";
      }
      int exit = exitCode();
      String tail = PgClientCommand.redact(process.stderrTail(), conn);
      String line = PgToolException.lastMeaningfulLine(TOOL, tail);
      return TOOL
          + " ended ("
          + e.word()
          + ", exit "
          + exit
          + ")"
          + (line.isEmpty() ? "" : ": " + line);
    }

    private int exitCode() {
      try {
        return process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return PgToolException.NOT_STARTED;
      }
    }

    private synchronized Ending ended() throws InterruptedException {
      if (ending == null) {
        int exit = process.waitFor();
        ending = Ending.of(exit, process.stderrTail(), stopAsked);
        release();
      }
      return ending;
    }

    private void signal(String name) {
      // Java can only send SIGTERM and SIGKILL; kill(1) sends the rest
      ProcessRunner.Result r =
          runner.run(
              List.of("kill", "-" + name, Long.toString(pid())), Map.of(), null, SIGNAL_TIMEOUT);
      if (r.exitCode() != 0 && process.isAlive()) {
        LOG.warn("could not send SIG{} to pg_receivewal {}: {}", name, pid(), r.stderrTail());
      }
    }

    private void release() {
      if (passFile != null) {
        passFile.close();
      }
    }

    /** Stops it (SIGINT, then SIGKILL after 3 s) if it still runs. */
    @Override
    public void close() {
      try {
        stop(Duration.ofSeconds(3));
      } catch (InterruptedException e) {
        kill();
        release();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * How a pg_receivewal ended, from its exit code and stderr (plan §2.3): what the receiver does
   * next depends on it.
   */
  public enum Ending implements Word {
    /** Exit 0 (or a signal) after our own SIGINT. */
    STOPPED,
    /** Killed by a signal nobody here sent (SIGTERM, SIGKILL). */
    KILLED,
    /** Exit 0 that nobody asked for. */
    UNEXPECTED_END,
    /** The server no longer has the WAL asked for: the archive has a gap from there. */
    WAL_REMOVED,
    /** The connection could not be made or was lost (server down, walsender terminated). */
    DISCONNECTED,
    /** Authentication or authorisation refused (password, pg_hba.conf, REPLICATION). */
    NOT_ALLOWED,
    /** This pg_receivewal cannot stream from that server version. */
    INCOMPATIBLE,
    /** Anything else. */
    FAILED;

    /** Reads the ending from the exit code, stderr, and whether we asked it to stop. */
    public static Ending of(int exitCode, String stderr, boolean stopAsked) {
      String text = stderr == null ? "" : stderr;
      boolean bySignal = exitCode > 128 && exitCode < 128 + 65;
      if (stopAsked && (exitCode == 0 || bySignal)) {
        return STOPPED;
      }
      if (text.contains("has already been removed")) {
        return WAL_REMOVED;
      }
      if (containsAny(
          text,
          "password authentication failed",
          "no pg_hba.conf entry",
          "pg_hba.conf rejects",
          "must be superuser or replication role",
          "permission denied to start WAL sender",
          "no password supplied")) {
        return NOT_ALLOWED;
      }
      if (text.contains("incompatible server version")) {
        return INCOMPATIBLE;
      }
      if (bySignal) {
        return KILLED;
      }
      if (exitCode == 0) {
        return UNEXPECTED_END;
      }
      // not the bare "error: disconnected": --no-loop ends every failure of the stream with it,
      // a bad file in the directory too
      if (containsAny(
          text,
          "could not connect",
          "Connection refused",
          "connection to server at",
          "timeout expired",
          "terminating connection",
          "unexpected termination of replication stream",
          "replication stream was terminated before stop point",
          "server closed the connection unexpectedly",
          "could not receive data from WAL stream",
          "could not send")) {
        return DISCONNECTED;
      }
      return FAILED;
    }

    private static boolean containsAny(String text, String... needles) {
      for (String n : needles) {
        if (text.contains(n)) {
          return true;
        }
      }
      return false;
    }
  }
}
