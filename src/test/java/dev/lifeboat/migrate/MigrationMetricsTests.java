package dev.lifeboat.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class MigrationMetricsTests {

  @Test
  void pendingMigrationsAreExportedPerTargetUnderTheContractName() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MigrationMetrics metrics = new MigrationMetrics(registry);

    metrics.pending("app", 3);
    metrics.pending("other", 1);
    metrics.pending("app", 0);

    String scrape = registry.scrape();
    assertThat(scrape).contains("lifeboat_migrations_pending{target=\"app\"} 0.0");
    assertThat(scrape).contains("lifeboat_migrations_pending{target=\"other\"} 1.0");
  }
}
