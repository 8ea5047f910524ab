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
    config.requireResolved("lifeboat.control.url", control.url());
    config.requireResolved("lifeboat.control.username", control.username());
    config.requireResolved("lifeboat.control.password", control.password());
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
    requireReachable(dataSource, embedded, properties);
    ControlSchema.migrate(
        dataSource, embedded, embedded ? "lifeboat.home" : "lifeboat.control.url");
    return dataSource;
  }

  /**
   * Every job records itself in the control database before it touches a target or a store, so a
   * control database that cannot be reached stops the command here, as a configuration error.
   */
  static void requireReachable(
      DataSource dataSource, boolean embedded, LifeboatProperties properties) {
    try (Connection ignored = dataSource.getConnection()) {
      // reachable
    } catch (SQLException | RuntimeException e) {
      String reason = PgErrors.rootCause(e);
      if (embedded) {
        throw new ConfigException(
            "lifeboat.home",
            "cannot open the embedded control database under "
                + properties.home().toAbsolutePath().normalize()
                + ": "
                + reason
                + "; check that the directory is writable");
      }
      throw new ConfigException(
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
