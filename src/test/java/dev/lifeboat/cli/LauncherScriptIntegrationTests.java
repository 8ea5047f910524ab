package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.PostgresServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * bin/lifeboat itself, run from a copy beside the packaged jar (so its caches go to the copy's
 * target/app): the JVM cache it makes on first use, and what happens when that cache is damaged.
 */
class LauncherScriptIntegrationTests {

  @TempDir Path dir;

  record Run(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /**
   * The JVM cache each JDK's first run trains, the commands that run with it, and the same commands
   * once it is damaged. One test, since each training run costs tens of seconds of CPU: the backup
   * and verify below run on the cache the first command of the default JDK trained.
   */
  @Test
  void aDamagedJvmCacheIsSkippedAndTheCommandStillAnswersWithCleanJson() throws Exception {
    Path root = install();
    Path config = emptyStoreConfig();
    List<Map<String, String>> jvms = new ArrayList<>();
    jvms.add(Map.of()); // the JDK the launcher chooses itself (the newest, AOT cache on 25+)
    java17().ifPresent(home -> jvms.add(Map.of("JAVA_HOME", home.toString()))); // CDS archive
    for (Map<String, String> env : jvms) {
      clearCaches(root);
      Run first = run(root, env, "--json", "backups", "--config", config.toString());
      assertThat(first.exitCode()).as("%s %s", env, first).isZero();
      assertThat(Json.mapper().readTree(first.stdout()).isEmpty()).as(first.toString()).isTrue();
      List<Path> caches = caches(root);
      assertThat(caches).as("the training run made a cache (%s)", env).isNotEmpty();
      if (env.isEmpty()) {
        aBackupAndItsVerifyThroughTheLauncherPrintNothingButTheirOwnLines(root);
      }

      for (Path cache : caches) {
        damage(cache);
      }
      Run damaged = run(root, env, "--json", "backups", "--config", config.toString());
      assertThat(damaged.exitCode()).as("%s %s", env, damaged).isZero();
      JsonNode listing = Json.mapper().readTree(damaged.stdout());
      assertThat(listing.isArray() && listing.isEmpty()).as(damaged.toString()).isTrue();
      assertThat(damaged.stderr()).as(damaged.toString()).doesNotContain("fatal error");
    }
  }

  /**
   * A backup and its verify through the launcher print nothing but their own lines: zstd-jni loads
   * a native library, and on Java 22+ the JVM warns about it on stderr at every run unless the jar
   * allows native access (Enable-Native-Access in its manifest).
   */
  private void aBackupAndItsVerifyThroughTheLauncherPrintNothingButTheirOwnLines(Path root)
      throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("launcher");
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("backups"));
    Path config = fx.write(db, "app");
    for (String[] args :
        List.of(
            new String[] {"--json", "backup", "--config", config.toString()},
            new String[] {"--json", "verify", "latest", "--config", config.toString()})) {
      Run run = run(root, fx.env, args);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      Json.mapper().readTree(run.stdout()); // one JSON document, nothing else
      assertThat(run.stderr()).as(run.toString()).doesNotContain("WARNING");
    }
  }

  @Test
  void anInstallTheUserCannotWriteRunsTheJarAsItIsWithoutTryingToMakeACache() throws Exception {
    // the systemd unit's /opt/lifeboat is read-only to the service: extracting the jar and training
    // a cache there would fail at every start, after costing a JVM run each
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to run as another user");
    Path root = install();
    dir.toFile().setExecutable(true, false);
    root.resolve("bin/lifeboat").toFile().setExecutable(true, false);
    root.resolve("target/lifeboat.jar").toFile().setReadable(true, false);
    // a JDK whose java notes every start, so the test sees each JVM the launcher runs
    Path jdk = Path.of(System.getProperty("java.home"));
    Path fake = Files.createDirectories(dir.resolve("jdk/bin"));
    Path log = dir.resolve("jvm-starts.log");
    Files.writeString(log, "");
    log.toFile().setWritable(true, false);
    Files.copy(jdk.resolve("release"), dir.resolve("jdk/release"));
    Path java = fake.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + jdk.resolve("bin/java") + " \"$@\"\n");
    java.toFile().setExecutable(true, false);
    dir.resolve("jdk").toFile().setExecutable(true, false);
    fake.toFile().setExecutable(true, false);
    List<String> command =
        List.of(
            "runuser",
            "-u",
            "postgres",
            "--",
            "env",
            "JAVA_HOME=" + dir.resolve("jdk"),
            root.resolve("bin/lifeboat").toString(),
            "version",
            "--short");
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
    builder.environment().remove("LIFEBOAT_JAVA_OPTS");
    Process process = builder.redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output.strip()).as(output).matches("\\d+\\.\\d+\\.\\d+\\S*");
    assertThat(root.resolve("target/app")).doesNotExist();
    // one JVM: the command's, from the jar; no extraction and no training run before it
    assertThat(Files.readAllLines(log))
        .as("JVM starts")
        .hasSize(1)
        .allMatch(l -> l.contains("-jar"));
  }

  /**
   * serve runs for months: it gets the heap bound measured by bench/serve-heap-bench.sh, unless the
   * user's own -Xmx says otherwise; short commands keep the JVM's default.
   */
  @Test
  void serveRunsWithABoundedHeapAndAnXmxOfTheUsersWins() throws Exception {
    Path root = install();
    Path config = emptyStoreConfig();
    String flags = "-XX:+PrintCommandLineFlags";
    assertThat(maxHeap(root, Map.of("LIFEBOAT_JAVA_OPTS", flags), "serve", config))
        .as("serve's default bound")
        .isEqualTo(384L << 20);
    assertThat(
            maxHeap(
                root,
                Map.of("LIFEBOAT_JAVA_OPTS", "-Xmx1g " + flags, "LIFEBOAT_SERVE_HEAP", "200m"),
                "serve",
                config))
        .as("an -Xmx in LIFEBOAT_JAVA_OPTS wins")
        .isEqualTo(1L << 30);
    assertThat(
            maxHeap(
                root,
                Map.of("LIFEBOAT_JAVA_OPTS", flags, "JAVA_TOOL_OPTIONS", "-Xmx640m"),
                "serve",
                config))
        .as("so does one in JAVA_TOOL_OPTIONS, which the JVM reads before the script's options")
        .isEqualTo(640L << 20);
    assertThat(
            maxHeap(
                root,
                Map.of("LIFEBOAT_JAVA_OPTS", flags, "LIFEBOAT_SERVE_HEAP", "200m"),
                "serve",
                config))
        .isEqualTo(200L << 20);
    assertThat(maxHeap(root, Map.of("LIFEBOAT_JAVA_OPTS", flags), "history", config))
        .as("a short command keeps the JVM's default")
        .isNotIn(384L << 20, 200L << 20);
  }

  /** The -XX:MaxHeapSize the JVM that bin/lifeboat starts for COMMAND reports; then it is ended. */
  private long maxHeap(Path root, Map<String, String> env, String command, Path config)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(root.resolve("bin/lifeboat").toString()));
    args.addAll(List.of("--config", config.toString(), command));
    ProcessBuilder builder = new ProcessBuilder(args).directory(dir.toFile());
    builder.environment().remove("JAVA_HOME");
    builder.environment().put("LIFEBOAT_FAST_START", "0"); // the flags, not a cache, are tested
    builder.environment().putAll(env);
    Path out = dir.resolve("flags-out");
    builder.redirectOutput(out.toFile()).redirectError(dir.resolve("flags-err").toFile());
    Process process = builder.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (System.nanoTime() < deadline) {
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("-XX:MaxHeapSize=(\\d+)")
                .matcher(Files.readString(out));
        if (m.find()) {
          return Long.parseLong(m.group(1));
        }
        Thread.sleep(100);
      }
      throw new AssertionError("no -XX:MaxHeapSize in " + Files.readString(out));
    } finally {
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /** bin/lifeboat and the packaged jar under a fresh root (no sources: nothing is rebuilt). */
  private Path install() throws IOException {
    Path root = dir.resolve("lifeboat");
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("target"));
    Path script = root.resolve("bin/lifeboat");
    Files.copy(Path.of("bin/lifeboat"), script);
    script.toFile().setExecutable(true);
    Files.copy(
        LifeboatCli.jar(), root.resolve("target/lifeboat.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    return root;
  }

  private Path emptyStoreConfig() throws IOException {
    Path store = Files.createDirectories(dir.resolve("store"));
    Path config = dir.resolve("lifeboat.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "lifeboat:",
            "  home: " + dir.resolve("home"),
            "  targets:",
            "    app:",
            "      url: jdbc:postgresql://127.0.0.1:1/app",
            "      username: app",
            "  stores:",
            "    local:",
            "      type: filesystem",
            "      path: " + store,
            ""));
    return config;
  }

  private static Optional<Path> java17() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      return homes
          .filter(h -> Files.isExecutable(h.resolve("bin/java")))
          .filter(
              h -> {
                try {
                  return Files.readString(h.resolve("release")).contains("JAVA_VERSION=\"17.");
                } catch (IOException e) {
                  return false;
                }
              })
          .sorted()
          .findFirst();
    }
  }

  private static void clearCaches(Path root) throws IOException {
    for (Path cache : caches(root)) {
      Files.delete(cache);
    }
  }

  private static List<Path> caches(Path root) throws IOException {
    Path app = root.resolve("target/app");
    if (!Files.isDirectory(app)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(app)) {
      return files
          .filter(f -> f.getFileName().toString().matches("lifeboat-\\d+\\.(aot|jsa)"))
          .toList();
    }
  }

  /** Random bytes over 200 KiB in the middle of the file, as a bad disk block would leave it. */
  private static void damage(Path cache) throws IOException {
    cache.toFile().setWritable(true);
    byte[] noise = new byte[200 * 1024];
    new Random(42).nextBytes(noise);
    try (RandomAccessFile file = new RandomAccessFile(cache.toFile(), "rw")) {
      file.seek(file.length() / 2);
      file.write(noise);
    }
  }

  private Run run(Path root, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin/lifeboat").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().remove("JAVA_HOME");
    builder.environment().remove("LIFEBOAT_JAVA_OPTS");
    builder.environment().putAll(env);
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(
          "bin/lifeboat did not finish in 5 minutes: " + Files.readString(err));
    }
    return new Run(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
