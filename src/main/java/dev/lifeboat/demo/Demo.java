package dev.lifeboat.demo;

import dev.lifeboat.pg.PgBinaries;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code lifeboat demo}: starts a throwaway PostgreSQL cluster, loads the sample multi-tenant
 * database from {@code jobs/example/}, writes a configuration with two local stores, then runs the
 * real commands against it (backup, backups, verify, drill, and a few seconds of WAL archiving).
 * The cluster is stopped at the end, also on failure or Ctrl-C; the stores and the configuration
 * stay for the user to explore.
 */
public final class Demo {

  /**
   * Runs commands in Spring with the demo configuration added; returns the first failing exit code.
   */
  public interface Runner {
    int run(Path configFile, String[]... commands);
  }

  private Demo() {}

  /** Runs the demo at {@code scale} (demo's {@code --scale}, parsed by the command line). */
  public static int run(int scale, List<String> springProperties, Runner runner) {
    PrintStream out = System.out;
    Path home = home(springProperties);
    Path demo = home.resolve("demo").toAbsolutePath().normalize();
    Path jobs;
    try {
      jobs = exampleDir();
    } catch (IllegalStateException e) {
      System.err.println("lifeboat: " + e.getMessage());
      return 2;
    }
    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    long started = System.nanoTime();
    Path clusterDir;
    try {
      Files.createDirectories(demo);
      clusterDir = Files.createTempDirectory("lifeboat-demo-");
    } catch (IOException e) {
      System.err.println("lifeboat: cannot create " + demo + ": " + e.getMessage());
      return 1;
    }
    out.println("lifeboat demo: starting a throwaway PostgreSQL cluster in " + clusterDir);
    try (LocalCluster cluster =
        LocalCluster.start(clusterDir, new PgBinaries(List.of()), password)) {
      cluster.createDatabase("app");
      out.println(
          "lifeboat demo: loading the sample multi-tenant database (jobs/example, scale "
              + scale
              + ")");
      ExampleDatabase.load(cluster.connection("app"), jobs, scale);
      Path config = writeConfig(demo, cluster.port(), jobs.resolve("drills"));
      // the throwaway cluster's password reaches the config through a placeholder, never a file
      System.setProperty("LIFEBOAT_DEMO_PASSWORD", password);
      out.println(
          "lifeboat demo: configuration "
              + config
              + " (target 'app', stores 'local-a' and 'local-b')");
      out.println();
      out.println("$ lifeboat backup --label demo");
      int code = runner.run(config, new String[] {"backup", "--label", "demo"});
      if (code == 0) {
        out.println();
        out.println("$ lifeboat backups");
        code = runner.run(config, new String[] {"backups"});
      }
      if (code == 0) {
        out.println();
        out.println("$ lifeboat verify latest");
        code = runner.run(config, new String[] {"verify", "latest"});
      }
      if (code == 0) {
        out.println();
        out.println("$ lifeboat drill      # restore into a scratch database and prove it");
        code = runner.run(config, new String[] {"drill"});
      }
      if (code == 0) {
        out.println();
        out.println(
            "$ lifeboat wal receive --for 6s      # stream the WAL into both stores, as serve does");
        code = receiveWal(cluster, config, runner);
        if (code == 0) {
          out.println(walArriving(demo, List.of("local-a", "local-b")));
        }
      }
      out.println();
      if (code == 0) {
        out.printf(
            "lifeboat demo: done in %.1fs. Everything worked.%n",
            (System.nanoTime() - started) / 1e9);
      } else {
        out.println("lifeboat demo: a step failed (exit " + code + "); see the message above.");
      }
      out.println(
          "  backups:        "
              + demo.resolve("stores/local-a")
              + " and "
              + demo.resolve("stores/local-b"));
      out.println("  configuration:  " + config);
      out.println("  control state:  " + home.toAbsolutePath().normalize().resolve("control"));
      out.println("The demo database is gone now; its backups stay. Try next:");
      out.println("  bin/lifeboat --config " + config + " backups");
      out.println("  bin/lifeboat --config " + config + " verify latest --json");
      out.println("  docs/activation.md to point Lifeboat at your own database and S3 stores");
      return code;
    } catch (RuntimeException e) {
      System.err.println("lifeboat: demo failed: " + e.getMessage());
      return 1;
    } finally {
      deleteQuietly(clusterDir);
    }
  }

  /**
   * Runs {@code wal receive} for a few seconds while the demo database is written to, so completed
   * segments and the partial one reach both stores.
   */
  private static int receiveWal(LocalCluster cluster, Path config, Runner runner) {
    Thread writer =
        new Thread(
            () -> {
              try {
                cluster.execute("CREATE TABLE IF NOT EXISTS demo_wal (at timestamptz)");
                for (int i = 0; i < 5; i++) {
                  Thread.sleep(800);
                  cluster.execute("INSERT INTO demo_wal VALUES (now())");
                  cluster.execute("SELECT pg_switch_wal()");
                }
                cluster.execute("INSERT INTO demo_wal VALUES (now())");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                // the receive shows what arrived; a write that failed only makes less WAL
                org.slf4j.LoggerFactory.getLogger(Demo.class)
                    .debug("demo WAL writer: {}", e.getMessage());
              }
            },
            "lifeboat-demo-writer");
    writer.start();
    int code = runner.run(config, new String[] {"wal", "receive", "--for", "6s"});
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return code;
  }

  /** {@code WAL arriving: local-a 5 segments + partial, local-b 5 segments + partial}. */
  static String walArriving(Path demo, List<String> stores) {
    List<String> parts = new java.util.ArrayList<>();
    for (String name : stores) {
      long segments = 0;
      boolean partial = false;
      Path root = demo.resolve("stores").resolve(name).resolve("app.wal");
      if (Files.isDirectory(root)) {
        try (var walk = Files.walk(root)) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            String n = f.getFileName().toString();
            if (n.matches("[0-9A-F]{24}-[0-9a-f]{64}\\.zst(\\.age)?")) {
              segments++;
            } else if (n.matches("[0-9A-F]{24}\\.partial-.*")) {
              partial = true;
            }
          }
        } catch (IOException e) {
          // counted as far as it could be read
          org.slf4j.LoggerFactory.getLogger(Demo.class).debug("counting WAL: {}", e.getMessage());
        }
      }
      parts.add(name + " " + segments + " segments" + (partial ? " + partial" : ""));
    }
    return "WAL arriving: " + String.join(", ", parts);
  }

  private static Path writeConfig(Path demo, int port, Path drills) {
    Path config = demo.resolve("lifeboat.yml");
    String yaml =
        """
        # Written by `lifeboat demo`. The demo cluster is stopped when the demo ends, so only the
        # commands that read the stores (backups, verify) work with this file afterwards.
        lifeboat:
          targets:
            app:
              url: jdbc:postgresql://127.0.0.1:%d/app
              username: postgres
              password: ${LIFEBOAT_DEMO_PASSWORD:}
              stores: [local-a, local-b]
              tenant-isolation: { role: app_tenant, setting: app.account_id, probe-accounts: [1, 2] }
              wal: { enabled: true, partial-upload-interval: 1s }
          stores:
            local-a: { type: filesystem, path: %s }
            local-b: { type: filesystem, path: %s }
          drills:
            dir: %s
        """
            .formatted(
                port,
                demo.resolve("stores/local-a"),
                demo.resolve("stores/local-b"),
                drills.toAbsolutePath().normalize());
    try {
      Files.writeString(config, yaml);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + config + ": " + e.getMessage(), e);
    }
    return config;
  }

  /**
   * {@code jobs/example} from the working directory, LIFEBOAT_ROOT, or next to the jar's folder.
   */
  static Path exampleDir() {
    List<Path> candidates = new java.util.ArrayList<>();
    candidates.add(Path.of("jobs/example"));
    String root = System.getenv("LIFEBOAT_ROOT");
    if (root != null && !root.isBlank()) {
      candidates.add(Path.of(root, "jobs/example"));
    }
    // the jar's own place: target/lifeboat.jar sits next to the project's jobs/
    java.io.File source =
        new org.springframework.boot.system.ApplicationHome(Demo.class).getSource();
    if (source != null) {
      Path jar = source.toPath().toAbsolutePath();
      candidates.add(jar.getParent().resolveSibling("jobs/example"));
      if (jar.getParent().getParent() != null) {
        candidates.add(jar.getParent().getParent().resolveSibling("jobs/example"));
      }
    }
    for (Path c : candidates) {
      if (Files.isRegularFile(c.resolve("schema.sql"))) {
        return c;
      }
    }
    throw new IllegalStateException(
        "cannot find jobs/example/schema.sql (looked in "
            + candidates
            + "); run the demo from the Lifeboat directory or set LIFEBOAT_ROOT");
  }

  private static Path home(List<String> springProperties) {
    for (String p : springProperties) {
      if (p.startsWith("--lifeboat.home=")) {
        return Path.of(p.substring("--lifeboat.home=".length()));
      }
    }
    String env = System.getenv("LIFEBOAT_HOME");
    return Path.of(env == null || env.isBlank() ? "./.lifeboat" : env);
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
      org.slf4j.LoggerFactory.getLogger(Demo.class)
          .debug("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
