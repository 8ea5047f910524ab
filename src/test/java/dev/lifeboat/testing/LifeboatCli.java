package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code target/lifeboat.jar} as a separate process, the way a user or cron does, and
 * captures exit code, stdout and stderr.
 */
public final class LifeboatCli {

  private final Path workDir;
  private final Map<String, String> env = new HashMap<>();

  public LifeboatCli(Path workDir) {
    this.workDir = workDir;
  }

  public LifeboatCli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** The outcome of one run. */
  public record Result(int exitCode, String stdout, String stderr) {
    public String all() {
      return stdout + "\n" + stderr;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  public static Path jar() {
    Path jar = Path.of("target/lifeboat.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: integration tests run after `package` (./mvnw verify)");
    }
    return jar;
  }

  public Result run(String... args) {
    return run(Duration.ofMinutes(5), args);
  }

  public Result run(Duration timeout, String... args) {
    Running running = start(args);
    return running.await(timeout);
  }

  /** Starts the command without waiting, for tests that kill it. */
  public Running start(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    // test data is small: a quicker start matters more than peak compiled speed
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(workDir, "out", ".txt");
      Path err = Files.createTempFile(workDir, "err", ".txt");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(env);
      return new Running(pb.start(), out, err);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
  }

  /** A started command. */
  public static final class Running {
    private final Process process;
    private final Path out;
    private final Path err;

    Running(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    public Process process() {
      return process;
    }

    public String stderrSoFar() {
      try {
        return Files.readString(err, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    public void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    public Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          kill();
          throw new AssertionError(
              "lifeboat did not finish within " + timeout + "; stderr:\n" + stderrSoFar());
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
