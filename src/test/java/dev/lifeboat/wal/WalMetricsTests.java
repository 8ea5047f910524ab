package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Targets;
import dev.lifeboat.testing.PostgresServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The slot gauges as Prometheus scrapes them, and the probe that feeds them when a server is down.
 */
class WalMetricsTests {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final WalMetrics metrics = new WalMetrics(registry);

  private static Slot slot(WalStatus status, Long retained, Long safe) {
    return new Slot("lifeboat_app", Lsn.parse("0/2000000"), status, safe, false, retained);
  }

  @Test
  void aSlotIsItsRetainedBytesAndOneStatusAtOne() {
    Map<String, Optional<Slot>> seen = new LinkedHashMap<>();
    seen.put("app", Optional.of(slot(WalStatus.EXTENDED, 3L << 30, 1L << 30)));
    seen.put("shop", Optional.empty());
    metrics.slots(seen);

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("lifeboat_wal_slot_retained_bytes{target=\"app\"} 3.221225472E9")
        .contains("lifeboat_wal_slot_safe_bytes{target=\"app\"} 1.073741824E9")
        .contains("lifeboat_wal_slot_status{status=\"extended\",target=\"app\"} 1")
        .contains("lifeboat_wal_slot_status{status=\"reserved\",target=\"app\"} 0")
        .contains("lifeboat_wal_slot_status{status=\"lost\",target=\"app\"} 0")
        .contains("lifeboat_wal_slot_status{status=\"missing\",target=\"app\"} 0")
        .contains("lifeboat_wal_slot_status{status=\"missing\",target=\"shop\"} 1")
        .contains("lifeboat_wal_slot_status{status=\"reserved\",target=\"shop\"} 0")
        .doesNotContain("lifeboat_wal_slot_retained_bytes{target=\"shop\"}")
        .doesNotContain("lifeboat_wal_slot_safe_bytes{target=\"shop\"}");
  }

  @Test
  void anUnlimitedKeepSizeHasNoSafeBytesAndATargetNotAnsweringLosesItsSeries() {
    metrics.slots(Map.of("app", Optional.of(slot(WalStatus.RESERVED, 4096L, null))));
    assertThat(registry.scrape())
        .contains("lifeboat_wal_slot_retained_bytes{target=\"app\"} 4096")
        .contains("lifeboat_wal_slot_status{status=\"reserved\",target=\"app\"} 1")
        .doesNotContain("lifeboat_wal_slot_safe_bytes{");

    metrics.slots(Map.of());

    assertThat(registry.scrape())
        .doesNotContain("lifeboat_wal_slot_retained_bytes{")
        .doesNotContain("lifeboat_wal_slot_status{");
  }

  @Test
  void aProbeOfAServerThatIsDownLeavesNoSeriesAndDoesNotThrow() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put(
        "lifeboat.targets.app.url",
        "jdbc:postgresql://127.0.0.1:" + PostgresServer.freePort() + "/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.targets.app.wal.enabled", "true");
    all.put("lifeboat.targets.off.url", "jdbc:postgresql://127.0.0.1:5432/off");
    all.put("lifeboat.targets.off.username", "backup");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    LifeboatConfig config =
        new LifeboatConfig(
            new Binder(new MapConfigurationPropertySource(all))
                .bindOrCreate("lifeboat", LifeboatProperties.class));
    metrics.slots(Map.of("app", Optional.of(slot(WalStatus.RESERVED, 4096L, null))));
    try (StoreFactory factory = new StoreFactory()) {
      SlotProbe probe = new SlotProbe(config, new Targets(config, factory), metrics);
      assertThat(probe.slots()).containsExactly(Map.entry("app", "lifeboat_app"));

      probe.probe();
      probe.stop(Duration.ZERO);
    }

    assertThat(registry.scrape())
        .doesNotContain("lifeboat_wal_slot_retained_bytes{")
        .doesNotContain("lifeboat_wal_slot_status{");
  }
}
