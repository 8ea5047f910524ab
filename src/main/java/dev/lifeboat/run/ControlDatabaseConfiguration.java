package dev.lifeboat.run;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.PrivateFiles;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The control database holds Spring Batch's job repository (and later Quartz): an embedded H2 file
 * under {@code lifeboat.home} by default, or the PostgreSQL database at {@code
 * lifeboat.control.url}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LifeboatProperties.class)
class ControlDatabaseConfiguration {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("lifeboat.control");

  @Bean
  DataSource controlDataSource(LifeboatProperties properties, LifeboatConfig config) {
    // taking the checked configuration first: a bad file is refused before H2 creates anything
    LifeboatProperties.Control control = properties.control();
    config.requireControlResolved();
    if (!embedded(control)) {
      DataSource dataSource =
          DataSourceBuilder.create()
              .url(control.url())
              .username(control.username())
              .password(control.password())
              .build();
      requireReachable(dataSource, false, properties);
      ControlSchema.migrate(dataSource, false, "lifeboat.control.url");
      return dataSource;
    }
    EmbeddedControl.listenOnLoopbackOnly();
    Path dir = controlDirectory(properties.home());
    String url = h2Url(properties.home());
    // processes that start at the same instant open the file one after the other: the first
    // becomes its host (AUTO_SERVER), the next ones then connect through it instead of racing for
    // H2's lock file; the OS drops this lock when a process dies, even by kill -9
    try (OpenLock ignored = OpenLock.take(properties)) {
      List<String> tightened = PrivateFiles.filesIn(dir, "lifeboat.home");
      EmbeddedControl.Resolved password;
      try {
        password =
            EmbeddedControl.password(
                dir,
                pw ->
                    openRacing(
                        () -> java.sql.DriverManager.getConnection(url, EmbeddedControl.USER, pw)));
      } catch (SQLException e) {
        throw unreachable(e, true, properties);
      }
      DataSource dataSource =
          DataSourceBuilder.create()
              .url(url)
              .username(EmbeddedControl.USER)
              .password(password.password())
              .build();
      requireReachable(dataSource, true, properties);
      ControlSchema.migrate(dataSource, true, "lifeboat.home");
      // H2 made its own files (the lock file with the key, the database) under the umask just now;
      // a host that takes over later makes its lock file inside the private directory
      PrivateFiles.filesIn(dir, "lifeboat.home");
      if (password.migrated()) {
        log.info(
            "the embedded control database under {} now has a generated password, kept in {}"
                + " (readable by Lifeboat's user only)",
            dir,
            dir.resolve(EmbeddedControl.PASSWORD_FILE));
      }
      if (!tightened.isEmpty()) {
        log.info("made readable by Lifeboat's user only (0600): {}", String.join(", ", tightened));
      }
      return dataSource;
    }
  }

  /**
   * The host of the embedded file waits for the processes connected through it before it closes the
   * file ({@link EmbeddedHandover}); destroyed before the data source, so before the pool.
   */
  @Bean
  EmbeddedHandover embeddedHandover(DataSource controlDataSource, LifeboatProperties properties) {
    return new EmbeddedHandover(
        controlDataSource, embedded(properties.control()), EmbeddedHandover.LIMIT);
  }

  /** No {@code lifeboat.control.url}: the embedded H2 file under {@code lifeboat.home}. */
  static boolean embedded(LifeboatProperties.Control control) {
    return control.url() == null || control.url().isBlank();
  }

  static Path controlDirectory(Path home) {
    return home.toAbsolutePath().normalize().resolve("control");
  }

  /** An OS file lock on {@code <home>/control/open.lock}, held while this process opens H2. */
  private record OpenLock(java.nio.channels.FileChannel channel) implements AutoCloseable {

    static OpenLock take(LifeboatProperties properties) {
      Path dir = controlDirectory(properties.home());
      List<String> tightened = PrivateFiles.directory(dir, "lifeboat.home");
      if (!tightened.isEmpty()) {
        log.info("made private to Lifeboat's user (0700): {}", String.join(", ", tightened));
      }
      try {
        java.nio.channels.FileChannel channel =
            java.nio.channels.FileChannel.open(
                dir.resolve("open.lock"),
                java.util.Set.of(
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(PrivateFiles.FILE));
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (channel.tryLock() == null) {
          if (System.nanoTime() > deadline) {
            channel.close();
            throw new java.io.IOException(
                "another Lifeboat process has been opening it for 60 s and has not finished");
          }
          sleep();
        }
        return new OpenLock(channel);
      } catch (java.io.IOException | UnsupportedOperationException e) {
        throw new ConfigException(
            "lifeboat.home",
            "cannot open the embedded control database under "
                + dir
                + ": "
                + e.getMessage()
                + "; check that the directory is writable");
      }
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (java.io.IOException e) {
        // closing the channel releases the lock; nothing else to do
        log.debug("could not close the open lock: {}", e.getMessage());
      }
    }
  }

  /**
   * Every job records itself in the control database before it touches a target or a store, so a
   * control database that cannot be reached stops the command here, as a configuration error.
   */
  static void requireReachable(
      DataSource dataSource, boolean embedded, LifeboatProperties properties) {
    try (Connection ignored =
        embedded ? openRacing(dataSource::getConnection) : dataSource.getConnection()) {
      // reachable
    } catch (SQLException | RuntimeException e) {
      throw unreachable(e, embedded, properties);
    }
  }

  /** Opens one connection to the embedded database. */
  interface Open {
    Connection open() throws SQLException;
  }

  /**
   * Opens a connection to the embedded file, trying again while another process is becoming (or
   * ceasing to be) its host.
   */
  static Connection openRacing(Open open) throws SQLException {
    long deadline = System.nanoTime() + OPEN_RACE.toNanos();
    while (true) {
      try {
        return open.open();
      } catch (SQLException | RuntimeException e) {
        if (inUseRace(e) && System.nanoTime() < deadline) {
          // several processes opening the file at the same instant: one becomes its host, the
          // others find it "locked by another process" until the host serves; they try again
          sleep();
          continue;
        }
        throw e;
      }
    }
  }

  /** How long a process waits for another that is becoming (or ceasing to be) the file's host. */
  static final java.time.Duration OPEN_RACE = java.time.Duration.ofSeconds(15);

  /**
   * H2's "database may be already in use" (90020), or "lock file recently modified" (8000): another
   * process holds, or is just taking, the file's lock. Or "connection is broken" (90067: connection
   * refused, EOF): the lock file named a host that was just exiting; the next try finds its lock
   * stale and takes over, or reaches the process that did (seen with four commands started at the
   * same instant on a fresh home, at a load of 5 and of 17).
   */
  static boolean inUseRace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && (sql.getErrorCode() == 90020
              || sql.getErrorCode() == 90067
              || sql.getErrorCode() == 8000
                  && String.valueOf(sql.getMessage()).contains("Lock file"))) {
        return true;
      }
    }
    return false;
  }

  private static void sleep() {
    try {
      Thread.sleep(100 + java.util.concurrent.ThreadLocalRandom.current().nextInt(200));
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  private static ConfigException unreachable(
      Exception e, boolean embedded, LifeboatProperties properties) {
    String reason = PgErrors.rootCause(e);
    {
      if (embedded && EmbeddedControl.wrongPassword(e)) {
        Path dir = controlDirectory(properties.home());
        return new ConfigException(
            "lifeboat.home",
            "the embedded control database under "
                + dir
                + " refused the password in "
                + dir.resolve(EmbeddedControl.PASSWORD_FILE)
                + "; put back the password file that belongs to this database, or move "
                + dir
                + " away to start a new control database (its job history stays in the moved copy)");
      }
      if (embedded) {
        return new ConfigException(
            "lifeboat.home",
            "cannot open the embedded control database under "
                + properties.home().toAbsolutePath().normalize()
                + ": "
                + reason
                + "; check that the directory is writable");
      }
      return new ConfigException(
          "lifeboat.control.url",
          "cannot reach the control database "
              + PgConnection.redact(properties.control().url())
              + ": "
              + reason
              + "; nothing was backed up or changed");
    }
  }

  /**
   * AUTO_SERVER lets a running {@code serve} and typed commands share the file: the first process
   * hosts it for the others. AUTO_RECONNECT: when that process exits, the others reconnect and one
   * of them hosts it from then on; together with steps that hold no control-database transaction
   * while they stream (StepTransactions), any of them may exit first. WRITE_DELAY=0: a commit
   * reaches the file at once, so a killed process cannot lose the record of a job it had started
   * (H2 otherwise delays writes by up to a second). The host's port listens on 127.0.0.1 only and
   * wants the generated password ({@link EmbeddedControl}).
   */
  static String h2Url(Path home) {
    Path file = home.toAbsolutePath().normalize().resolve("control").resolve("lifeboat");
    return "jdbc:h2:async:" + file + ";AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE;WRITE_DELAY=0";
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}
