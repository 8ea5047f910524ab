package dev.lifeboat.config;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
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

  @Bean
  DataSource controlDataSource(LifeboatProperties properties, LifeboatConfig config) {
    // taking the checked configuration first: a bad file is refused before H2 creates anything
    LifeboatProperties.Control control = properties.control();
    config.requireControlResolved();
    boolean embedded = control.url() == null || control.url().isBlank();
    DataSource dataSource =
        embedded
            ? DataSourceBuilder.create()
                .url(h2Url(properties.home()))
                .username("sa")
                .password("")
                .build()
            : DataSourceBuilder.create()
                .url(control.url())
                .username(control.username())
                .password(control.password())
                .build();
    if (!embedded) {
      requireReachable(dataSource, false, properties);
      ControlSchema.migrate(dataSource, false, "lifeboat.control.url");
      return dataSource;
    }
    // processes that start at the same instant open the file one after the other: the first
    // becomes its host (AUTO_SERVER), the next ones then connect through it instead of racing for
    // H2's lock file; the OS drops this lock when a process dies, even by kill -9
    try (OpenLock ignored = OpenLock.take(properties)) {
      requireReachable(dataSource, true, properties);
      ControlSchema.migrate(dataSource, true, "lifeboat.home");
    }
    return dataSource;
  }

  /** An OS file lock on {@code <home>/control/open.lock}, held while this process opens H2. */
  private record OpenLock(java.nio.channels.FileChannel channel) implements AutoCloseable {

    static OpenLock take(LifeboatProperties properties) {
      Path dir = properties.home().toAbsolutePath().normalize().resolve("control");
      try {
        java.nio.file.Files.createDirectories(dir);
        java.nio.channels.FileChannel channel =
            java.nio.channels.FileChannel.open(
                dir.resolve("open.lock"),
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
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
      } catch (java.io.IOException e) {
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
      }
    }
  }

  /**
   * Every job records itself in the control database before it touches a target or a store, so a
   * control database that cannot be reached stops the command here, as a configuration error.
   */
  static void requireReachable(
      DataSource dataSource, boolean embedded, LifeboatProperties properties) {
    long deadline = System.nanoTime() + OPEN_RACE.toNanos();
    while (true) {
      try (Connection ignored = dataSource.getConnection()) {
        return;
      } catch (SQLException | RuntimeException e) {
        if (embedded && inUseRace(e) && System.nanoTime() < deadline) {
          // several processes opening the file at the same instant: one becomes its host, the
          // others find it "locked by another process" until the host serves; they try again
          sleep();
          continue;
        }
        throw unreachable(e, embedded, properties);
      }
    }
  }

  /** How long a process waits for another that is becoming (or ceasing to be) the file's host. */
  static final java.time.Duration OPEN_RACE = java.time.Duration.ofSeconds(15);

  /**
   * H2's "database may be already in use" (90020), or "lock file recently modified" (8000): another
   * process holds, or is just taking, the file's lock.
   */
  static boolean inUseRace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && (sql.getErrorCode() == 90020
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
   * (H2 otherwise delays writes by up to a second).
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
