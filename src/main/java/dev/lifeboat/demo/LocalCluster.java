package dev.lifeboat.demo;

import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.PgToolException;
import dev.lifeboat.pg.PgToolNotFoundException;
import dev.lifeboat.pg.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster in a directory of its own, for {@code demo} and tests: listens on
 * 127.0.0.1 only (a free port), superuser {@code postgres} with a password (scram-sha-256), its
 * socket and log file beside the data. Run as root, the server runs as the {@code postgres} OS
 * user. Stopped on {@link #close()}, {@link #stop()} or JVM exit.
 */
public final class LocalCluster implements AutoCloseable {

  /** The OS user the server runs as when we are root (initdb and postgres refuse root). */
  static final String OS_USER = "postgres";

  private static final String SUPERUSER = "postgres";
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);
  private static final int START_ATTEMPTS = 3;

  private final Path dir;
  private final PgTool pgCtl;
  private final String version;
  private final int port;
  private final String password;
  private final boolean asOsUser;
  private final ProcessRunner runner;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread shutdownHook;
  private volatile boolean deleteOnClose;

  private LocalCluster(
      Path dir,
      PgTool pgCtl,
      String version,
      int port,
      String password,
      boolean asOsUser,
      ProcessRunner runner) {
    this.dir = dir;
    this.pgCtl = pgCtl;
    this.version = version;
    this.port = port;
    this.password = password;
    this.asOsUser = asOsUser;
    this.runner = runner;
    this.shutdownHook = new Thread(this::closeAtExit, "lifeboat-local-cluster-stop");
  }

  /**
   * Creates and starts a cluster in {@code dir} (created if missing; must not hold one already),
   * using the newest {@code initdb} found.
   *
   * @throws IllegalStateException when the {@code postgres} OS user cannot reach {@code dir}
   * @throws PgToolException when initdb or pg_ctl fails; the log file is named in the message
   */
  public static LocalCluster start(Path dir, PgBinaries bins, String superuserPassword) {
    return start(dir, bins, superuserPassword, List.of(), Map.of());
  }

  /**
   * As {@link #start(Path, PgBinaries, String)}, with more {@code initdb} arguments ({@code
   * --wal-segsize=1}) and {@code postgresql.conf} settings ({@code max_wal_size}: value as written
   * in the file, e.g. {@code '8MB'}).
   */
  public static LocalCluster start(
      Path dir,
      PgBinaries bins,
      String superuserPassword,
      List<String> initdbArgs,
      Map<String, String> settings) {
    return start(dir, bins, superuserPassword, initdbArgs, settings, ProcessRunner.system());
  }

  static LocalCluster start(
      Path dir,
      PgBinaries bins,
      String superuserPassword,
      List<String> initdbArgs,
      Map<String, String> settings,
      ProcessRunner runner) {
    if (superuserPassword == null
        || superuserPassword.isEmpty()
        || superuserPassword.contains("\n")
        || superuserPassword.contains("\r")) {
      throw new IllegalArgumentException(
          "the local cluster's superuser password must be one non-empty line");
    }
    Path home = dir.toAbsolutePath().normalize();
    Path data = home.resolve("data");
    if (Files.exists(data)) {
      throw new IllegalStateException(
          home + " already holds a cluster (" + data + "); use an empty directory");
    }
    // a Unix socket path is limited to 107 bytes: <dir>/.s.PGSQL.<port>
    if (home.toString().getBytes(StandardCharsets.UTF_8).length > 90) {
      throw new IllegalArgumentException(
          "the cluster directory path "
              + home
              + " is too long for a Unix socket; use a shorter one");
    }
    PgTool initdb = bins.require("initdb", 0);
    PgTool pgCtl = siblingOf(initdb, "pg_ctl");
    boolean asOsUser = "root".equals(System.getProperty("user.name"));
    try {
      Files.createDirectories(home);
      if (asOsUser) {
        handOverToOsUser(home, runner);
      }
      initdb(home, initdb, superuserPassword, initdbArgs, asOsUser, runner);
      Files.writeString(
          data.resolve("postgresql.conf"),
          settings(home, settings),
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare a local PostgreSQL cluster in " + home, e);
    }
    PgToolException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      int port = freePort();
      LocalCluster cluster =
          new LocalCluster(
              home, pgCtl, initdb.version(), port, superuserPassword, asOsUser, runner);
      try {
        cluster.pgCtlStart();
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        return cluster;
      } catch (PgToolException e) {
        last = e;
        // another process took the port between our probe and the server's bind: try another
        if (!logMentions(home, "could not bind") && !logMentions(home, "already in use")) {
          break;
        }
      }
    }
    throw last;
  }

  private static PgTool siblingOf(PgTool tool, String name) {
    Path path = tool.path().resolveSibling(name);
    if (!Files.isExecutable(path)) {
      throw new PgToolNotFoundException(
          "no "
              + name
              + " beside "
              + tool.path()
              + "; install the PostgreSQL "
              + tool.major()
              + " server package or set lifeboat.pg.bin-dirs");
    }
    return new PgTool(name, path, tool.version(), tool.major());
  }

  private static void handOverToOsUser(Path home, ProcessRunner runner) throws IOException {
    UserPrincipal postgres;
    try {
      postgres =
          home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
    } catch (IOException e) {
      throw new IllegalStateException(
          "running as root, but there is no '"
              + OS_USER
              + "' OS user to run PostgreSQL as;"
              + " create it or run Lifeboat as a non-root user");
    }
    Files.setOwner(home, postgres);
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    ProcessRunner.Result canWrite =
        runner.run(
            asUser(true, List.of("test", "-w", home.toString())), Map.of(), null, STEP_TIMEOUT);
    if (canWrite.exitCode() != 0) {
      throw new IllegalStateException(
          "the '"
              + OS_USER
              + "' OS user cannot reach "
              + home
              + " (a parent directory is not traversable, e.g. /root);"
              + " put the local cluster under /tmp");
    }
  }

  private static void initdb(
      Path home,
      PgTool initdb,
      String password,
      List<String> initdbArgs,
      boolean asOsUser,
      ProcessRunner runner)
      throws IOException {
    Path pwfile = home.resolve(".pwfile");
    Files.createFile(
        pwfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
      if (asOsUser) {
        Files.setOwner(pwfile, Files.getOwner(home));
      }
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  initdb.path().toString(),
                  "--pgdata=" + home.resolve("data"),
                  "--username=" + SUPERUSER,
                  "--pwfile=" + pwfile,
                  "--auth-local=trust",
                  "--auth-host=scram-sha-256",
                  "--encoding=UTF8",
                  "--locale=C",
                  // a throwaway cluster: skipping the final fsync of initdb saves most of its time
                  "--no-sync"));
      cmd.addAll(initdbArgs);
      ProcessRunner.Result r = runner.run(asUser(asOsUser, cmd), env(), home, STEP_TIMEOUT);
      if (r.exitCode() != 0) {
        throw new PgToolException("initdb", r.exitCode(), r.stderrTail() + "\n" + r.stdout());
      }
    } finally {
      Files.deleteIfExists(pwfile);
    }
  }

  private static String settings(Path home, Map<String, String> extra) {
    StringBuilder more = new StringBuilder();
    extra.forEach((k, v) -> more.append(k).append(" = ").append(v).append('\n'));
    return "\n# lifeboat local cluster\n"
        + "listen_addresses = '127.0.0.1'\n"
        + "unix_socket_directories = '"
        + home.toString().replace("'", "''")
        + "'\n"
        + "max_connections = 50\n"
        + "password_encryption = 'scram-sha-256'\n"
        + "log_min_messages = warning\n"
        + "dynamic_shared_memory_type = posix\n"
        + more;
  }

  private void pgCtlStart() {
    List<String> cmd =
        List.of(
            pgCtl.path().toString(),
            "--pgdata=" + dir.resolve("data"),
            "--log=" + logFile(),
            "--options=-p " + port,
            "--wait",
            "--timeout=" + STEP_TIMEOUT.toSeconds(),
            "start");
    ProcessRunner.Result r = runner.run(asUser(asOsUser, cmd), env(), dir, STEP_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new PgToolException(
          "pg_ctl",
          r.exitCode(),
          r.stderrTail() + "\n" + lastLogLines(dir) + "\nsee the server log " + logFile());
    }
  }

  private static List<String> asUser(boolean asOsUser, List<String> cmd) {
    if (!asOsUser) {
      return cmd;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", OS_USER, "--"));
    wrapped.addAll(cmd);
    return wrapped;
  }

  private static Map<String, String> env() {
    return Map.of("LC_MESSAGES", "C");
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free TCP port on 127.0.0.1", e);
    }
  }

  private static boolean logMentions(Path home, String text) {
    return lastLogLines(home).contains(text);
  }

  private static String lastLogLines(Path home) {
    try {
      List<String> lines = Files.readAllLines(home.resolve("postgres.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  public int port() {
    return port;
  }

  /** The server version, e.g. {@code 15.18}. */
  public String version() {
    return version;
  }

  public Path directory() {
    return dir;
  }

  public Path dataDirectory() {
    return dir.resolve("data");
  }

  public Path logFile() {
    return dir.resolve("postgres.log");
  }

  /** The superuser {@code postgres}, with its password, over TCP to {@code db}. */
  public PgConnection connection(String db) {
    return new PgConnection("127.0.0.1", port, db, SUPERUSER, password);
  }

  /** Runs SQL as the superuser in the {@code postgres} database (autocommit). */
  public void execute(String sql) {
    try (Connection c = connection("postgres").open();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("SQL on the local cluster failed: " + e.getMessage(), e);
    }
  }

  /** Creates database {@code name}; returns the superuser's connection to it. */
  public PgConnection createDatabase(String name) {
    execute("CREATE DATABASE " + quoteIdent(name));
    return connection(name);
  }

  /** Drops database {@code name} if it exists, disconnecting its sessions. */
  public void dropDatabase(String name) {
    execute("DROP DATABASE IF EXISTS " + quoteIdent(name) + " WITH (FORCE)");
  }

  /** Creates a login role; returns its connection to {@code postgres}. */
  public PgConnection createRole(String name, String rolePassword, boolean superuser) {
    execute(
        "CREATE ROLE "
            + quoteIdent(name)
            + " LOGIN"
            + (superuser ? " SUPERUSER" : "")
            + " PASSWORD "
            + quoteLiteral(rolePassword));
    return new PgConnection("127.0.0.1", port, "postgres", name, rolePassword);
  }

  static String quoteIdent(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  static String quoteLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** Also delete the directory on {@link #close()} and at JVM exit. */
  public LocalCluster deleteOnClose(boolean delete) {
    this.deleteOnClose = delete;
    return this;
  }

  public boolean isRunning() {
    return !stopped.get();
  }

  /** Stops the server ({@code pg_ctl stop -m fast}); stopping twice is harmless. */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // called from the hook itself
    }
    List<String> cmd =
        List.of(
            pgCtl.path().toString(),
            "--pgdata=" + dir.resolve("data"),
            "--mode=fast",
            "--wait",
            "--timeout=" + STEP_TIMEOUT.toSeconds(),
            "stop");
    ProcessRunner.Result r = runner.run(asUser(asOsUser, cmd), env(), dir, STEP_TIMEOUT);
    if (r.exitCode() != 0 && Files.exists(dir.resolve("data/postmaster.pid"))) {
      throw new PgToolException("pg_ctl", r.exitCode(), r.stderrTail());
    }
  }

  /** Stops the server, then deletes the directory if {@link #deleteOnClose} asked for it. */
  @Override
  public void close() {
    stop();
    if (deleteOnClose) {
      deleteTree(dir);
    }
  }

  private void closeAtExit() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("lifeboat: could not stop the local PostgreSQL in " + dir + ": " + e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the local cluster directory " + root, e);
    }
  }

  @Override
  public String toString() {
    return "LocalCluster[" + version + " on 127.0.0.1:" + port + ", " + dir + "]";
  }
}
