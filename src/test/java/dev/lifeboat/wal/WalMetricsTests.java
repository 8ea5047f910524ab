package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Targets;
import dev.lifeboat.testing.PostgresServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The slot and receiver gauges as Prometheus scrapes them, the probe that feeds the slot gauges
 * when a server is down, and the receiver's hooks (state, streaming run, lane commits, heartbeats)
 * driven with a clock the test moves.
 */
class WalMetricsTests {

  @TempDir Path dir;
  private final StoreLaneTests.SettableClock clock = new StoreLaneTests.SettableClock();

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

  private double gauge(String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(registry.scrape());
    assertThat(m.find()).as(series + " in\n" + registry.scrape()).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static WalFiles.Segment segment(long number) {
    return new WalFiles.Segment(1, number, SpoolTests.SEGMENT);
  }

  private static Sealer.Partial partial(long number, int valid) throws Exception {
    byte[] bytes = new byte[300];
    new Random(number).nextBytes(bytes);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    WalFiles.Segment s = segment(number);
    return new Sealer.Partial(
        s,
        valid,
        WalArchive.partialKey("app", SpoolTests.SYSTEM, s, valid, sha, false),
        sha,
        bytes);
  }

  @Test
  void countersCountCompletedSegmentsPerStoreRestartsAndChainBreaksAndOutliveAStop() {
    WalMetrics.Receiving app = metrics.receiving("app", clock);
    app.committed("local", false);
    app.committed("local", false);
    app.committed("local", true); // a partial segment is no archived segment
    app.committed("offsite", false);
    app.restarted();
    app.chainBroken();
    app.state(ReceiverState.STOPPED);

    assertThat(registry.scrape())
        .contains(
            "lifeboat_wal_archived_segments_total{store=\"local\",target=\"app\"} 2.0",
            "lifeboat_wal_archived_segments_total{store=\"offsite\",target=\"app\"} 1.0",
            "lifeboat_wal_receiver_restarts_total{target=\"app\"} 1.0",
            "lifeboat_wal_chain_breaks_total{target=\"app\"} 1.0");
  }

  @Test
  void aStandbyReportsOnlyItsState() {
    WalMetrics.Receiving app = metrics.receiving("app", clock);
    assertThat(registry.scrape())
        .contains("lifeboat_wal_receiver_state{state=\"stopped\",target=\"app\"} 1");

    app.state(ReceiverState.STANDBY);

    assertThat(registry.scrape())
        .contains("lifeboat_wal_receiver_state{state=\"standby\",target=\"app\"} 1")
        .contains("lifeboat_wal_receiver_state{state=\"stopped\",target=\"app\"} 0")
        .contains("lifeboat_wal_receiver_state{state=\"spool-full\",target=\"app\"} 0")
        .doesNotContain("lifeboat_wal_archive_lag_seconds{")
        .doesNotContain("lifeboat_wal_spool_bytes{")
        .doesNotContain("lifeboat_wal_store_backlog_segments{");
  }

  @Test
  void theStreamingNodeReportsLagSpoolBacklogAndCommitTimesUntilItStandsBy() throws Exception {
    Path stream = Files.createDirectory(dir.resolve("stream"));
    Path sealed = Files.createDirectory(dir.resolve("sealed"));
    StoreLaneTests.Flaky a = new StoreLaneTests.Flaky("a", dir.resolve("a"));
    StoreLaneTests.Flaky b = new StoreLaneTests.Flaky("b", dir.resolve("b"));
    Spool spool =
        new Spool(
            "app",
            SpoolTests.SYSTEM,
            SpoolTests.SEGMENT,
            stream,
            sealed,
            1L << 30,
            List.of("a", "b"));
    spool.add(SpoolTests.seal(sealed, 3, 3));
    spool.add(SpoolTests.seal(sealed, 4, 4));
    List<StoreLane> lanes =
        StoreLane.forStores(
            "app",
            SpoolTests.SYSTEM,
            SpoolTests.SEGMENT,
            List.of(a, b),
            spool,
            segment(3),
            clock,
            d -> {});
    WalMetrics.Receiving app = metrics.receiving("app", clock);
    app.state(ReceiverState.STARTING);
    app.streaming(spool, lanes);
    app.state(ReceiverState.STREAMING);
    // the server has written 8 KiB into segment 5; the stores hold nothing of 3 to 5 yet
    app.beat(segment(5).start().plus(8192));

    assertThat(gauge("lifeboat_wal_receiver_state{state=\"streaming\",target=\"app\"}"))
        .isEqualTo(1);
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isZero();
    assertThat(gauge("lifeboat_wal_spool_bytes{target=\"app\"}")).isEqualTo(2 * SpoolTests.SEALED);
    assertThat(gauge("lifeboat_wal_spool_max_bytes{target=\"app\"}")).isEqualTo(1L << 30);
    assertThat(gauge("lifeboat_wal_store_backlog_segments{store=\"a\",target=\"app\"}"))
        .isEqualTo(2);
    assertThat(registry.scrape()).doesNotContain("lifeboat_wal_last_segment_timestamp_seconds{");

    clock.now = clock.now.plusSeconds(30);
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isEqualTo(30);

    // a takes segments 3 and 4: the WAL in segment 5 is still in no store, so the lag stays
    while (lanes.get(0).step() == StoreLane.Step.WORKED) {}
    assertThat(gauge("lifeboat_wal_store_backlog_segments{store=\"a\",target=\"app\"}")).isZero();
    assertThat(gauge("lifeboat_wal_store_backlog_segments{store=\"b\",target=\"app\"}"))
        .isEqualTo(2);
    assertThat(gauge("lifeboat_wal_last_segment_timestamp_seconds{store=\"a\",target=\"app\"}"))
        .isEqualTo(clock.now.getEpochSecond());
    assertThat(registry.scrape())
        .doesNotContain("lifeboat_wal_last_segment_timestamp_seconds{store=\"b\"");
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isEqualTo(30);

    // a takes the partial of segment 5 up to where the server was: a store holds all of it
    clock.now = clock.now.plusSeconds(5);
    lanes.get(0).offer(partial(5, 8192));
    while (lanes.get(0).step() == StoreLane.Step.WORKED) {}
    assertThat(gauge("lifeboat_wal_last_partial_timestamp_seconds{store=\"a\",target=\"app\"}"))
        .isEqualTo(clock.now.getEpochSecond());
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isZero();

    // b takes them 10 s later; a takes segment 5 whole: each time is the store's newest commit
    clock.now = clock.now.plusSeconds(10);
    while (lanes.get(1).step() == StoreLane.Step.WORKED) {}
    spool.add(SpoolTests.seal(sealed, 5, 5));
    clock.now = clock.now.plusSeconds(1);
    while (lanes.get(0).step() == StoreLane.Step.WORKED) {}
    assertThat(gauge("lifeboat_wal_last_segment_timestamp_seconds{store=\"b\",target=\"app\"}"))
        .isEqualTo(clock.now.getEpochSecond() - 1);
    assertThat(gauge("lifeboat_wal_last_segment_timestamp_seconds{store=\"a\",target=\"app\"}"))
        .isEqualTo(clock.now.getEpochSecond());
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isZero();

    // the server writes on; 20 s later nothing more is in a store
    app.beat(segment(6).start().plus(3 * 8192));
    clock.now = clock.now.plusSeconds(2);
    app.beat(segment(6).start().plus(5 * 8192));
    clock.now = clock.now.plusSeconds(18);
    assertThat(gauge("lifeboat_wal_archive_lag_seconds{target=\"app\"}")).isEqualTo(20);

    app.state(ReceiverState.STANDBY);
    assertThat(registry.scrape())
        .contains("lifeboat_wal_receiver_state{state=\"standby\",target=\"app\"} 1")
        .doesNotContain("lifeboat_wal_archive_lag_seconds{")
        .doesNotContain("lifeboat_wal_spool_max_bytes{")
        .doesNotContain("lifeboat_wal_last_segment_timestamp_seconds{")
        .doesNotContain("lifeboat_wal_store_backlog_segments{");
  }

  @Test
  void aLongOutageKeepsTheOldestBeatSoTheLagNeverShrinksWhileTheStoresAreBehind() {
    WalMetrics.Receiving app = metrics.receiving("app", clock);
    for (int i = 0; i < WalMetrics.Receiving.MAX_BEATS + 50; i++) {
      app.beat(Lsn.parse("0/1000000").plus(8192L * (i + 1)));
      clock.now = clock.now.plusSeconds(2);
    }
    assertThat(app.lagSeconds()).isEqualTo(2.0 * (WalMetrics.Receiving.MAX_BEATS + 50));
  }
}
