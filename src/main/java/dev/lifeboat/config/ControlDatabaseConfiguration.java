package dev.lifeboat.config;

import java.nio.file.Path;
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
    if (control.url() != null && !control.url().isBlank()) {
      return DataSourceBuilder.create()
          .url(control.url())
          .username(control.username())
          .password(control.password())
          .build();
    }
    return DataSourceBuilder.create()
        .url(h2Url(properties.home()))
        .username("sa")
        .password("")
        .build();
  }

  /**
   * AUTO_SERVER lets a running {@code serve} and a typed command share the file (FIELD-NOTES).
   * WRITE_DELAY=0: a commit reaches the file at once, so a killed process cannot lose the record of
   * a job it had started (H2 otherwise delays writes by up to a second).
   */
  static String h2Url(Path home) {
    Path file = home.toAbsolutePath().normalize().resolve("control").resolve("lifeboat");
    return "jdbc:h2:file:" + file + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}
