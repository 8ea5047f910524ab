package dev.lifeboat.cli;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.batch.autoconfigure.BatchAutoConfiguration;
import org.springframework.boot.batch.autoconfigure.BatchJobLauncherAutoConfiguration;
import org.springframework.boot.batch.jdbc.autoconfigure.BatchJdbcAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.jvm.JvmMetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.logging.logback.LogbackMetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.startup.StartupTimeMetricsListenerAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.system.SystemMetricsAutoConfiguration;

/**
 * The auto-configuration a one-shot command of the full application ({@code backup}, {@code
 * restore}, {@code history}…, everything but {@code serve} and the read-only commands) keeps: the
 * configuration, the control database and Batch over it, and the metrics it pushes at exit. The
 * rest of Spring Boot's list (health, endpoints, the web server and its converters, task
 * scheduling, AOP, Jackson's and validation's beans, SSL bundles…) serves the daemon only; a
 * one-shot command that evaluated it anyway spent about a sixth of its start-up CPU on it. It is
 * excluded by name, so that an auto-configuration a Spring Boot upgrade adds stays out of the
 * one-shot commands until it is listed here.
 */
final class OneShotStart {

  /** What a one-shot command keeps (class literals: an upgrade that moves one fails to compile). */
  static final List<Class<?>> KEPT =
      List.of(
          PropertyPlaceholderAutoConfiguration.class,
          ConfigurationPropertiesAutoConfiguration.class,
          LifecycleAutoConfiguration.class,
          DataSourceAutoConfiguration.class,
          DataSourceTransactionManagerAutoConfiguration.class,
          JdbcTemplateAutoConfiguration.class,
          BatchAutoConfiguration.class,
          BatchJobLauncherAutoConfiguration.class,
          BatchJdbcAutoConfiguration.class,
          // the meters a one-shot command pushes at exit when the Pushgateway is enabled
          MetricsAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class,
          SimpleMetricsExportAutoConfiguration.class,
          PrometheusMetricsExportAutoConfiguration.class,
          JvmMetricsAutoConfiguration.class,
          SystemMetricsAutoConfiguration.class,
          LogbackMetricsAutoConfiguration.class,
          StartupTimeMetricsListenerAutoConfiguration.class);

  private OneShotStart() {}

  /**
   * The value of {@code spring.autoconfigure.exclude} for a one-shot command: every candidate
   * Spring Boot lists but those {@link #KEPT}.
   */
  static String excluded(ClassLoader classLoader) {
    Set<String> kept = KEPT.stream().map(Class::getName).collect(Collectors.toSet());
    return StreamSupport.stream(
            ImportCandidates.load(AutoConfiguration.class, classLoader).spliterator(), false)
        .filter(name -> !kept.contains(name))
        .collect(Collectors.joining(","));
  }
}
