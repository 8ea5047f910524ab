package dev.lifeboat.testing;

import dev.lifeboat.demo.LocalCluster;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for integration tests: one throwaway cluster under /tmp, started on first use,
 * shared by every test class of the JVM, stopped and deleted at JVM exit. Tests take a fresh
 * database each ({@link #createDatabase(String)}).
 */
public final class PostgresServer {

  private static volatile PostgresServer shared;

  private final PgBinaries binaries;
  private final LocalCluster cluster;
  private final String password;
  private final AtomicInteger databases = new AtomicInteger();
  private final Map<Integer, String> exampleTemplates = new java.util.HashMap<>();

  private PostgresServer(PgBinaries binaries, LocalCluster cluster, String password) {
    this.binaries = binaries;
    this.cluster = cluster;
    this.password = password;
  }

  /** The shared server, started on first call (about a second). */
  public static PostgresServer shared() {
    PostgresServer s = shared;
    if (s == null) {
      synchronized (PostgresServer.class) {
        s = shared;
        if (s == null) {
          s = start();
          shared = s;
        }
      }
    }
    return s;
  }

  private static PostgresServer start() {
    return start(ServerOptions.DEFAULT);
  }

  private static PostgresServer start(ServerOptions options) {
    PgBinaries bins = new PgBinaries(List.of());
    String password = "pw-" + UUID.randomUUID();
    Path dir;
    try {
      // /tmp rather than a 0700 JUnit dir: the postgres OS user must be able to reach it
      dir = Files.createTempDirectory(Path.of("/tmp"), "lifeboat-test-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // fsync = off: a test server is thrown away, and only an operating-system crash (never a
    // killed postgres or client) loses what was not fsynced; creating and dropping databases, which
    // most tests do, is a third quicker without it (measured on this 2-core machine)
    Map<String, String> settings = new LinkedHashMap<>(Map.of("fsync", "off"));
    settings.putAll(options.settings());
    // LocalCluster stops itself in a shutdown hook; deleteOnClose makes the hook remove the files
    LocalCluster cluster =
        LocalCluster.start(dir, bins, password, options.initdbArgs(), settings).deleteOnClose(true);
    return new PostgresServer(bins, cluster, password);
  }

  /**
   * A brand-new cluster of its own, not shared (a second server: where a restore lands after the
   * first is gone); stop it with {@code cluster().close()}.
   */
  public static PostgresServer startNew() {
    return start();
  }

  /** A brand-new cluster of its own made with {@code options} (1 MB WAL segments, settings). */
  public static PostgresServer startNew(ServerOptions options) {
    return start(options);
  }

  public LocalCluster cluster() {
    return cluster;
  }

  public PgBinaries binaries() {
    return binaries;
  }

  public String superuserPassword() {
    return password;
  }

  /** The superuser's connection to {@code db}. */
  public PgConnection connection(String db) {
    return cluster.connection(db);
  }

  /** A new empty database named after {@code hint}; returns the superuser's connection to it. */
  public PgConnection createDatabase(String hint) {
    String name = databaseName(hint);
    cluster.dropDatabase(name);
    return cluster.createDatabase(name);
  }

  private String databaseName(String hint) {
    return hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_")
        + "_"
        + databases.incrementAndGet();
  }

  public void dropDatabase(String name) {
    cluster.dropDatabase(name);
  }

  /** A new database holding the sample multi-tenant data of jobs/example at {@code scale}. */
  public PgConnection createExampleDatabase(String hint, int scale) {
    String template = exampleTemplate(scale);
    String name = databaseName(hint);
    cluster.dropDatabase(name);
    cluster.execute("CREATE DATABASE " + name + " TEMPLATE " + template);
    return cluster.connection(name);
  }

  /**
   * The example at {@code scale}, loaded once per server into a template database that takes no
   * connections: each example database is then a copy of its files (0.2 s) instead of a load (6 s
   * of the server's CPU at scale 1; thirty of them in a run of the suite). The data is the same:
   * the load is seeded ({@code setseed} in data.sql).
   */
  private synchronized String exampleTemplate(int scale) {
    return exampleTemplates.computeIfAbsent(
        scale,
        s -> {
          String name = "example_template_" + s;
          cluster.dropDatabase(name);
          PgConnection db = cluster.createDatabase(name);
          dev.lifeboat.demo.ExampleDatabase.load(db, java.nio.file.Path.of("jobs/example"), s);
          cluster.execute(
              "ALTER DATABASE " + name + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
          return name;
        });
  }

  /** A TCP port nothing listens on right now. */
  public static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Makes {@code role} a LOGIN REPLICATION role without superuser, as the WAL receiver runs, and
   * returns its connection to database {@code postgres}.
   */
  public PgConnection replicationRole(String role, String password) {
    cluster().createRole(role, password, false);
    cluster().execute("ALTER ROLE " + role + " REPLICATION");
    return new PgConnection("127.0.0.1", cluster().port(), "postgres", role, password);
  }
}
