package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class RetentionMetricsTests {

  @Test
  void pruningCountsDeletedBackupsAndShowsTheKeptOnesPerStoreUnderTheContractNames() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RetentionMetrics metrics = new RetentionMetrics(registry);
    metrics.pruned("local", 380, 24);
    metrics.pruned("local", 2, 23);
    metrics.pruned("offsite", 0, 10);
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("lifeboat_retention_deleted_total{store=\"local\"} 382.0")
        .contains("lifeboat_retention_deleted_total{store=\"offsite\"} 0.0")
        .contains("lifeboat_retention_kept{store=\"local\"} 23.0")
        .contains("lifeboat_retention_kept{store=\"offsite\"} 10.0");
  }
}
