package dev.lifeboat.target;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgPassFile;
import dev.lifeboat.store.StoreFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What reaches the databases and the stores the configuration describes: the PostgreSQL tools, the
 * stores opened once, and the pgpass files kept under {@code <lifeboat.home>/run}.
 */
@Configuration(proxyBeanMethods = false)
public class TargetConfiguration {

  /** Taking the checked configuration: the home exists and is private before run/ is made in it. */
  TargetConfiguration(LifeboatConfig config) {
    PgPassFile.useDirectory(config.home().toAbsolutePath().normalize().resolve("run"));
  }

  /**
   * The PostgreSQL tools the configuration uses; one instance, so each tool's {@code --version} is
   * asked once per process, not at every call.
   */
  @Bean
  PgBinaries pgBinaries(LifeboatConfig config) {
    return new PgBinaries(config.properties().pg().binDirs());
  }

  /** Every store opened once and shared; all are closed with the application. */
  @Bean
  StoreFactory storeFactory() {
    return new StoreFactory();
  }
}
