package dev.lifeboat.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ProcessRunner} on {@link ProcessBuilder}; stderr drained by a daemon thread. */
final class SystemProcessRunner implements ProcessRunner {

  private static final Logger LOG = LoggerFactory.getLogger(SystemProcessRunner.class);

  @Override
  public RunningProcess start(
      List<String> command, Map<String, String> environment, Path directory) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(name -> !inherited(name));
    environment.forEach(
        (k, v) -> {
          if (v == null) {
            pb.environment().remove(k);
          } else {
            pb.environment().put(k, v);
          }
        });
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new PgToolException(
          ProcessRunner.toolName(command),
          PgToolException.NOT_STARTED,
          "cannot start " + command.get(0) + ": " + e.getMessage());
    }
    return new Running(List.copyOf(command), process);
  }

  /**
   * The variables a child inherits from Lifeboat's own environment: what finding programs,
   * libraries, locale and time zone needs, never a secret (S3 keys, database passwords) or anything
   * else the operator exported for Lifeboat.
   */
  static boolean inherited(String name) {
    return INHERITED.contains(name) || name.startsWith("LC_");
  }

  private static final java.util.Set<String> INHERITED =
      java.util.Set.of(
          "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "LD_LIBRARY_PATH");

  private static final class Running implements RunningProcess {
    private final List<String> command;
    private final Process process;
    private final TailBuffer stderr = new TailBuffer(STDERR_TAIL_BYTES);
    private final Thread stderrReader;

    Running(List<String> command, Process process) {
      this.command = command;
      this.process = process;
      this.stderrReader =
          new Thread(this::drainStderr, ProcessRunner.toolName(command) + "-stderr-" + pid());
      stderrReader.setDaemon(true);
      stderrReader.start();
    }

    private void drainStderr() {
      byte[] buf = new byte[8192];
      try (InputStream in = process.getErrorStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          stderr.write(buf, 0, n);
        }
      } catch (IOException e) {
        // the program is gone; what we have is the tail
        LOG.debug("stopped reading the stderr of process {}: {}", pid(), e.getMessage());
      }
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public List<String> command() {
      return command;
    }

    @Override
    public InputStream stdout() {
      return process.getInputStream();
    }

    @Override
    public OutputStream stdin() {
      return process.getOutputStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
      int exit = process.waitFor();
      stderrReader.join(5_000);
      return exit;
    }

    @Override
    public int waitFor(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        destroy();
        throw new PgToolException(
            ProcessRunner.toolName(command),
            PgToolException.TIMED_OUT,
            "did not finish within " + timeout.toSeconds() + " s; " + stderrTail());
      }
      return waitFor();
    }

    @Override
    public String stderrTail() {
      return stderr.toString();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void destroy() {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Keeps the last {@code capacity} bytes written. */
  static final class TailBuffer {
    private final byte[] ring;
    private long written;

    TailBuffer(int capacity) {
      this.ring = new byte[capacity];
    }

    synchronized void write(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        ring[(int) (written++ % ring.length)] = b[off + i];
      }
    }

    @Override
    public synchronized String toString() {
      int size = (int) Math.min(written, ring.length);
      byte[] out = new byte[size];
      int start = (int) ((written - size) % ring.length);
      for (int i = 0; i < size; i++) {
        out[i] = ring[(start + i) % ring.length];
      }
      return new String(out, StandardCharsets.UTF_8);
    }
  }
}
