package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.ReplicationSlots;
import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Targets;
import dev.lifeboat.testing.PostgresServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The doctor's WAL check run as {@code version} runs it (its probes), against the shared real
 * PostgreSQL 15 (wal_level replica, max_slot_wal_keep_size unlimited): as a LOGIN REPLICATION role
 * without superuser, and as a role without REPLICATION.
 */
class WalCheckIntegrationTests {

  private static final String SLOT = "lifeboat_walcheck";

  private static PostgresServer server;
  private static PgConnection replicator;
  private static PgConnection plain;

  @TempDir static Path stores;

  private static final StoreFactory factory = new StoreFactory();

  @BeforeAll
  static void roles() {
    server = PostgresServer.shared();
    replicator = server.replicationRole("walcheck_repl", "pw-walcheck-repl-4411");
    plain = server.cluster().createRole("walcheck_plain", "pw-walcheck-plain-4412", false);
  }

  @AfterAll
  static void closeStores() {
    factory.close();
  }

  /**
   * Target {@code app} (wal.enabled, slot {@code slot}) and {@code off} reached as {@code role}.
   */
  private static LifeboatConfig config(PgConnection role, String slot) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.targets.app.url", role.jdbcUrl());
    all.put("lifeboat.targets.app.username", role.user());
    all.put("lifeboat.targets.app.password", role.password());
    all.put("lifeboat.targets.app.wal.enabled", "true");
    all.put("lifeboat.targets.app.wal.slot", slot);
    all.put("lifeboat.targets.off.url", role.jdbcUrl());
    all.put("lifeboat.targets.off.username", role.user());
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", stores.toString());
    return new LifeboatConfig(
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class));
  }

  /** Runs every probe of a WalCheck for target {@code app} reached as {@code role}. */
  private static Map<String, Finding> doctor(PgConnection role) throws Exception {
    LifeboatConfig config = config(role, SLOT);
    WalCheck check = new WalCheck(config, new Targets(config, factory));
    List<DoctorCheck.Probe> probes = check.probes();
    assertThat(probes).extracting(DoctorCheck.Probe::name).containsExactly("target app wal");
    List<Finding> findings = probes.get(0).work().call();
    findings.forEach(
        f -> System.out.println(f.status().mark() + " " + f.name() + ": " + f.detail()));
    return findings.stream()
        .collect(
            Collectors.toMap(
                f -> f.name().substring("target app wal".length()).trim(),
                Function.identity(),
                (a, b) -> a,
                LinkedHashMap::new));
  }

  @Test
  void aReplicationRoleIsReadyAndTheSlotIsReportedBeforeAndAfterItExists() throws Exception {
    Map<String, Finding> before = doctor(replicator);

    assertThat(before.keySet())
        .containsExactly("level", "senders", "role", "connection", "primary", "slot", "keep size");
    assertThat(before.get("level").detail()).isEqualTo("wal_level replica");
    assertThat(before.get("senders").status()).isEqualTo(CheckStatus.OK);
    assertThat(before.get("senders").detail())
        .matches("max_wal_senders 10, \\d+ in use: \\d+ free");
    assertThat(before.get("role").detail()).isEqualTo("role walcheck_repl has REPLICATION");
    assertThat(before.get("connection").status()).isEqualTo(CheckStatus.OK);
    assertThat(before.get("connection").detail())
        .matches("a replication connection opens: system \\d+, timeline 1, WAL written up to .+");
    assertThat(before.get("primary").detail()).isEqualTo("the server is a primary");
    assertThat(before.get("slot").status()).isEqualTo(CheckStatus.WARN);
    assertThat(before.get("slot").detail())
        .startsWith(
            "slot lifeboat_walcheck does not exist yet; the WAL receiver creates it when it starts"
                + " (role walcheck_repl may: ");
    assertThat(before.get("keep size"))
        .isEqualTo(
            Finding.warn(
                "target app wal keep size",
                "max_slot_wal_keep_size -1 (unlimited): a slot nobody moves keeps WAL until the"
                    + " server's disk is full; cap it at what pg_wal's disk can spare: ALTER SYSTEM"
                    + " SET max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf();"));

    try (Connection c = replicator.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");
      assertThat(slots.createIfMissing(SLOT)).isTrue();
      try {
        Map<String, Finding> after = doctor(replicator);

        assertThat(after.get("slot").status()).isEqualTo(CheckStatus.OK);
        assertThat(after.get("slot").detail())
            .matches(
                "slot lifeboat_walcheck reserved, retains .+ of WAL since [0-9A-F]+/[0-9A-F]+");
      } finally {
        slots.drop(SLOT);
      }
    }
  }

  @Test
  void theSlotProbeOfServeShowsWhatTheSlotRetainsAndThatItIsMissingOnceDropped() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LifeboatConfig config = config(replicator, "lifeboat_walcheck_gauges");
    SlotProbe probe = new SlotProbe(config, new Targets(config, factory), new WalMetrics(registry));
    try (Connection c = replicator.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");
      slots.createIfMissing("lifeboat_walcheck_gauges");
      long retained = slots.read("lifeboat_walcheck_gauges").orElseThrow().retainedBytes();

      probe.probe();
      String scrape = registry.scrape();
      System.out.println(scrape.lines().filter(l -> l.startsWith("lifeboat_wal")).toList());
      assertThat(scrape)
          .containsPattern("lifeboat_wal_slot_retained_bytes\\{target=\"app\"} \\S+")
          .contains("lifeboat_wal_slot_status{status=\"reserved\",target=\"app\"} 1")
          .contains("lifeboat_wal_slot_status{status=\"missing\",target=\"app\"} 0")
          .doesNotContain("lifeboat_wal_slot_safe_bytes{");
      // the server's WAL only grows between the read above and the probe's
      assertThat(registry.get(WalMetrics.RETAINED).gauge().value())
          .isGreaterThanOrEqualTo(retained);

      slots.drop("lifeboat_walcheck_gauges");
      probe.probe();
    }

    assertThat(registry.scrape())
        .doesNotContain("lifeboat_wal_slot_retained_bytes{")
        .contains("lifeboat_wal_slot_status{status=\"missing\",target=\"app\"} 1")
        .contains("lifeboat_wal_slot_status{status=\"reserved\",target=\"app\"} 0");
  }

  @Test
  void aRoleWithoutReplicationIsToldToGetItAndNoSlotAppears() throws Exception {
    Map<String, Finding> f = doctor(plain);

    assertThat(f.get("role"))
        .isEqualTo(
            Finding.fail(
                "target app wal role",
                "role walcheck_plain lacks REPLICATION: it can neither stream WAL nor create the"
                    + " slot; ALTER ROLE walcheck_plain REPLICATION"));
    assertThat(f.get("connection").status()).isEqualTo(CheckStatus.FAIL);
    assertThat(f.get("connection").detail())
        .startsWith(
            "target app: cannot open a replication connection on 127.0.0.1:"
                + server.cluster().port()
                + " as walcheck_plain: ")
        .contains("replication role")
        .endsWith("; give the role LOGIN REPLICATION (ALTER ROLE <role> REPLICATION)")
        .doesNotContain("pw-walcheck");
    assertThat(f.get("slot"))
        .isEqualTo(
            Finding.fail(
                "target app wal slot",
                "slot lifeboat_walcheck does not exist and the WAL receiver cannot create it: role"
                    + " walcheck_plain lacks REPLICATION (ALTER ROLE walcheck_plain REPLICATION)"));
    try (Connection c = plain.open()) {
      assertThat(new ReplicationSlots(c, "app").read(SLOT)).isEmpty();
    }
  }
}
