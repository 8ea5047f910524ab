package dev.lifeboat.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The seam to external programs ({@code pg_dump}, {@code psql}, {@code initdb}…). Unit tests pass a
 * fake; the real one is {@link #system()}.
 */
public interface ProcessRunner {

  /** How much of a program's stderr is kept: the last 64 KiB. */
  int STDERR_TAIL_BYTES = 64 * 1024;

  /**
   * Starts {@code command} with a minimal inherited environment (PATH, HOME, locale, time zone:
   * never Lifeboat's secrets) plus {@code environment}; a null value removes that variable. {@code
   * directory} may be null (the current directory).
   */
  RunningProcess start(List<String> command, Map<String, String> environment, Path directory);

  /** The real thing, on {@link ProcessBuilder}. */
  static ProcessRunner system() {
    return new SystemProcessRunner();
  }

  /**
   * Runs a short command to its end, collecting stdout; destroys it and throws {@link
   * PgToolException} when it outlives {@code timeout}. The exit code is returned, not judged.
   */
  default Result run(
      List<String> command, Map<String, String> environment, Path directory, Duration timeout) {
    try (RunningProcess p = start(command, environment, directory)) {
      p.stdin().close();
      CompletableFuture<byte[]> out =
          CompletableFuture.supplyAsync(
              () -> {
                try (InputStream in = p.stdout()) {
                  return in.readAllBytes();
                } catch (IOException e) {
                  return new byte[0];
                }
              });
      int exit = p.waitFor(timeout);
      String stdout =
          new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
      return new Result(exit, stdout, p.stderrTail());
    } catch (PgToolException e) {
      throw e;
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new PgToolException(toolName(command), PgToolException.NOT_STARTED, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgToolException(toolName(command), PgToolException.NOT_STARTED, "interrupted");
    }
  }

  /** The program's file name, for messages: {@code pg_dump} of {@code /usr/lib/…/bin/pg_dump}. */
  static String toolName(List<String> command) {
    if (command.isEmpty()) {
      return "?";
    }
    // runuser -u postgres -- initdb …: name the program that does the work
    int sep = command.indexOf("--");
    String program = sep >= 0 && sep + 1 < command.size() ? command.get(sep + 1) : command.get(0);
    return Path.of(program).getFileName().toString();
  }

  /** The outcome of {@link #run}. */
  record Result(int exitCode, String stdout, String stderrTail) {}

  /** A started program. Closing it destroys it if it is still running. */
  interface RunningProcess extends AutoCloseable {

    long pid();

    /** The command line it was started with (for checks such as "no secret in the arguments"). */
    List<String> command();

    /** Its stdout; the caller must consume it or the program blocks once the pipe is full. */
    InputStream stdout();

    /** Its stdin; close it if the program should see end of input. */
    OutputStream stdin();

    /** Waits for the end, then for stderr to be drained; returns the exit code. */
    int waitFor() throws InterruptedException;

    /**
     * Waits at most {@code timeout}; on timeout destroys the program and throws {@link
     * PgToolException} with {@link PgToolException#TIMED_OUT}.
     */
    int waitFor(Duration timeout) throws InterruptedException;

    /** The last {@link #STDERR_TAIL_BYTES} of its stderr so far (complete after waitFor). */
    String stderrTail();

    boolean isAlive();

    /** Asks it to stop (SIGTERM), then kills it if it has not stopped within a few seconds. */
    void destroy();

    @Override
    default void close() {
      if (isAlive()) {
        destroy();
      }
    }
  }
}
