package dev.lifeboat.cli;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.notify.Notifier;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.TargetConfiguration;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.jvm.JvmMetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.logging.logback.LogbackMetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.startup.StartupTimeMetricsListenerAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.system.SystemMetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;

/**
 * What a read-only command ({@link Launcher#LAZY_COMMANDS}) starts instead of {@link
 * FullApplication}: the configuration, bound and checked exactly as for every command, the catalog
 * of the stores, the console and the metrics (pushed at exit when the Pushgateway is enabled). No
 * control database, Batch, scheduler, health or task executors: such a command reads the stores and
 * nothing else, so it neither creates nor opens anything under {@code lifeboat.home/control}.
 *
 * <p>Neither this class nor its parts carry {@code @Configuration}: Spring reads them as
 * configuration all the same when they are the application's source, while the component scan of
 * the full application (which covers this package) must not find them.
 */
@ImportAutoConfiguration({
  ConfigurationPropertiesAutoConfiguration.class,
  PropertyPlaceholderAutoConfiguration.class
})
@EnableConfigurationProperties(LifeboatProperties.class)
@Import({
  LifeboatConfig.class,
  TargetConfiguration.class,
  Targets.class,
  Keys.class,
  BackupCatalog.class,
  BaseBackupCatalog.class,
  Console.class,
  ReadOnlyApplication.PushedMetrics.class
})
class ReadOnlyApplication {

  /**
   * The meters a one-shot command pushes at exit (CONTRACT §5): JVM, process and system, as from
   * every command; only when the Pushgateway is enabled, since nothing else reads them here.
   */
  @ConditionalOnBooleanProperty(PUSHGATEWAY_ENABLED)
  @ImportAutoConfiguration({
    MetricsAutoConfiguration.class,
    CompositeMeterRegistryAutoConfiguration.class,
    PrometheusMetricsExportAutoConfiguration.class,
    JvmMetricsAutoConfiguration.class,
    SystemMetricsAutoConfiguration.class,
    LogbackMetricsAutoConfiguration.class,
    StartupTimeMetricsListenerAutoConfiguration.class
  })
  @Import(LazyStartConfiguration.class)
  static class PushedMetrics {}

  static final String PUSHGATEWAY_ENABLED =
      "management.prometheus.metrics.export.pushgateway.enabled";

  /**
   * The names of the verbs a schedule may name (every verb of the full application with a scheduled
   * request; ReadOnlyApplicationTests keeps the two in step).
   */
  static final List<String> VERBS = VerbName.schedulableWords();

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * The checks the full application makes at start beyond {@link LifeboatConfig}, {@link Targets}
   * and {@link Keys} (the control database's keys, the schedules, the notifications' formats and
   * events), made here too so that a read-only command refuses the same files with the same
   * message; nothing is opened for them. Taking the keys makes them (and so checks them) at start,
   * as everywhere else.
   */
  @Bean
  @Lazy(false)
  Checked checked(LifeboatConfig config, Targets targets, Keys keys, Clock clock) {
    config.requireControlResolved();
    Schedules.plan(config.properties(), VERBS, clock.instant());
    Notifier.check(config.properties().notifications());
    return new Checked();
  }

  /** The mark that the checks above passed. */
  record Checked() {}
}
