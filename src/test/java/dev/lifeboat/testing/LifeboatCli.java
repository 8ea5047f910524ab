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
  private final List<String> jvmOptions = new ArrayList<>();
  private boolean fatJar;

  public LifeboatCli(Path workDir) {
    this.workDir = workDir;
  }

  /**
   * Runs {@code java -jar target/lifeboat.jar} itself, not its extracted form (the contract path).
   */
  public LifeboatCli fatJar() {
    this.fatJar = true;
    return this;
  }

  /** Adds an option for the JVM (before {@code -jar}). */
  public LifeboatCli jvmOption(String option) {
    jvmOptions.add(option);
    return this;
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

  // test data is small: a quicker start matters more than peak compiled speed; no hsperfdata file
  // (nothing here reads it with jstat; about 4 % of a start's CPU); one compiler thread and no
  // background pre-initialisation by Spring Boot (warming what a short command may never use):
  // together 2.77 -> 2.48 CPU s for a start of `history` (6 runs each, alternating). The suite's
  // CPU is mostly these starts (CI on 2 cores is CPU-bound), so this is its time too.
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx512m",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-XX:+UseSerialGC",
          "-XX:-UsePerfData",
          "-Dspring.backgroundpreinitializer.ignore=true");

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The same jar, extracted by Spring Boot's jar tools and started with a class-data-sharing
   * archive from one training run, as bin/lifeboat does: half the start-up time. Falls back to
   * {@code -jar target/lifeboat.jar} when either step fails.
   */
  static final class FastStart {
    private static List<String> arguments;

    static synchronized List<String> jarArguments() {
      if (arguments == null) {
        arguments = prepare();
      }
      return arguments;
    }

    private static List<String> prepare() {
      Path jar = jar();
      // one extracted copy per test JVM: failsafe runs forks side by side, and a fork that
      // extracted into another's copy deleted the jars its commands were running from
      // (NoClassDefFoundError in a CI run: the fork number did not reach the forks, so they all
      // shared target/it-app); the JVM's pid when there is no fork number
      String fork = System.getProperty("lifeboat.it.fork");
      Path app =
          jar.resolveSibling(
              "it-app-"
                  + (fork == null || fork.isBlank() || fork.contains("$")
                      ? String.valueOf(ProcessHandle.current().pid())
                      : fork));
      Path extracted = app.resolve("lifeboat.jar");
      Path jsa = app.resolve("lifeboat.jsa");
      try {
        if (!Files.exists(extracted)
            || Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(extracted)) > 0) {
          deleteTree(app);
          if (exec(
                  List.of(
                      java(),
                      "-Djarmode=tools",
                      "-jar",
                      jar.toString(),
                      "extract",
                      "--destination",
                      app.toString()))
              != 0) {
            return List.of("-jar", jar.toString());
          }
        }
        if (!Files.exists(jsa)) {
          Path home = Files.createTempDirectory("lifeboat-training-");
          List<String> training = new ArrayList<>(List.of(java()));
          training.addAll(JVM_OPTIONS);
          training.addAll(
              List.of(
                  "-XX:ArchiveClassesAtExit=" + jsa,
                  "-Xlog:disable",
                  "-jar",
                  extracted.toString(),
                  "history",
                  "--lifeboat.home=" + home));
          exec(training);
          deleteTree(home);
        }
        if (Files.exists(jsa)) {
          return List.of(
              "-XX:SharedArchiveFile=" + jsa,
              "-Xlog:disable",
              "-Xlog:all=error:stderr",
              "-jar",
              extracted.toString());
        }
        return List.of("-jar", extracted.toString());
      } catch (IOException e) {
        return List.of("-jar", jar.toString());
      }
    }

    private static int exec(List<String> command) throws IOException {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        return p.waitFor(2, TimeUnit.MINUTES) ? p.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    private static void deleteTree(Path dir) throws IOException {
      if (Files.exists(dir)) {
        try (var walk = Files.walk(dir)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
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
    command.add(java());
    command.addAll(JVM_OPTIONS);
    command.addAll(jvmOptions);
    if (fatJar) {
      command.add("-jar");
      command.add(jar().toString());
    } else {
      command.addAll(FastStart.jarArguments());
    }
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
      Running running = new Running(pb.start(), out, err);
      LaunchLog.started(running.process(), args);
      return running;
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
