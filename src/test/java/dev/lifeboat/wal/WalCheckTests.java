package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.ReplicationConnection.Identity;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Targets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The doctor's WAL lines from what a server answered: each status, each with what to do. */
class WalCheckTests {

  private static final String LABEL = "target app wal";
  private static final WalCheck.Replication CONNECTS =
      new WalCheck.Replication(
          new Identity("7716579398738843286", 1, Lsn.parse("0/3000060"), null), null);

  /** A server ready for archiving, the slot not created yet. */
  private static WalCheck.Server ready() {
    return new WalCheck.Server(
        "replica", 10, 0, 10, 0, "10GB", true, false, false, Optional.empty());
  }

  private static WalCheck.Server with(WalCheck.Server s, Slot slot) {
    return new WalCheck.Server(
        s.walLevel(),
        s.maxWalSenders(),
        s.sendersInUse(),
        s.maxReplicationSlots(),
        s.slotsInUse(),
        s.maxSlotWalKeepSize(),
        s.replicationRole(),
        s.superuser(),
        s.inRecovery(),
        Optional.ofNullable(slot));
  }

  private static Slot slot(WalStatus status, boolean active) {
    return new Slot(
        "lifeboat_app",
        status == WalStatus.LOST ? null : Lsn.parse("0/2000000"),
        status,
        null,
        active,
        status == WalStatus.LOST ? null : 48L * 1024 * 1024);
  }

  private static Map<String, Finding> findings(WalCheck.Server s, WalCheck.Replication r) {
    Map<String, Finding> byName = new LinkedHashMap<>();
    for (Finding f : WalCheck.findings(LABEL, "app", "backup", "lifeboat_app", s, r)) {
      assertThat(byName.put(f.name(), f)).as("one line per name: " + f.name()).isNull();
    }
    return byName;
  }

  private static Finding line(WalCheck.Server s, String what) {
    return findings(s, CONNECTS).get(LABEL + " " + what);
  }

  @Test
  void aReadyServerIsGreenButForTheSlotTheReceiverWillCreate() {
    Map<String, Finding> f = findings(ready(), CONNECTS);

    assertThat(f.keySet())
        .containsExactly(
            LABEL + " level",
            LABEL + " senders",
            LABEL + " role",
            LABEL + " connection",
            LABEL + " primary",
            LABEL + " slot",
            LABEL + " keep size");
    assertThat(f.get(LABEL + " level"))
        .isEqualTo(Finding.ok(LABEL + " level", "wal_level replica"));
    assertThat(f.get(LABEL + " senders").detail())
        .isEqualTo("max_wal_senders 10, 0 in use: 10 free");
    assertThat(f.get(LABEL + " role").detail()).isEqualTo("role backup has REPLICATION");
    assertThat(f.get(LABEL + " connection").detail())
        .isEqualTo(
            "a replication connection opens: system 7716579398738843286, timeline 1, WAL written"
                + " up to 0/3000060");
    assertThat(f.get(LABEL + " primary").status()).isEqualTo(CheckStatus.OK);
    assertThat(f.get(LABEL + " slot"))
        .isEqualTo(
            Finding.warn(
                LABEL + " slot",
                "slot lifeboat_app does not exist yet; the WAL receiver creates it when it starts"
                    + " (role backup may: 10 of max_replication_slots 10 free)"));
    assertThat(f.get(LABEL + " keep size"))
        .isEqualTo(Finding.ok(LABEL + " keep size", "max_slot_wal_keep_size 10GB"));
  }

  @Test
  void walLevelMinimalFailsWithTheSettingAndTheRestart() {
    WalCheck.Server s =
        new WalCheck.Server("minimal", 0, 0, 10, 0, "10GB", true, false, false, Optional.empty());

    assertThat(line(s, "level"))
        .isEqualTo(
            Finding.fail(
                LABEL + " level",
                "wal_level minimal: the server writes too little WAL to archive; ALTER SYSTEM SET"
                    + " wal_level = replica, then restart the server"));
    assertThat(line(s, "senders").status()).isEqualTo(CheckStatus.FAIL);
    assertThat(line(s, "senders").detail()).contains("ALTER SYSTEM SET max_wal_senders = 10");
  }

  @Test
  void noFreeWalSenderFailsAndOneFreeWarns() {
    WalCheck.Server full =
        new WalCheck.Server("replica", 3, 3, 10, 0, "10GB", true, false, false, Optional.empty());
    WalCheck.Server oneLeft =
        new WalCheck.Server("logical", 3, 2, 10, 0, "10GB", true, false, false, Optional.empty());

    assertThat(line(full, "senders"))
        .isEqualTo(
            Finding.fail(
                LABEL + " senders",
                "max_wal_senders 3, 3 in use: none free, the WAL receiver cannot connect; raise"
                    + " max_wal_senders (ALTER SYSTEM SET max_wal_senders = 5, then restart the"
                    + " server)"));
    assertThat(line(oneLeft, "senders").status()).isEqualTo(CheckStatus.WARN);
    assertThat(line(oneLeft, "senders").detail())
        .startsWith("max_wal_senders 3, 2 in use: 1 free, and the WAL receiver and a base backup");
    assertThat(line(oneLeft, "level").status()).isEqualTo(CheckStatus.OK);
  }

  @Test
  void aRoleWithoutReplicationFailsAndCannotCreateTheSlot() {
    WalCheck.Server s =
        new WalCheck.Server("replica", 10, 0, 10, 0, "10GB", false, false, false, Optional.empty());
    String refusal =
        "target app: cannot open a replication connection on 127.0.0.1:5432 as backup: must be"
            + " superuser or replication role to start walsender; give the role LOGIN"
            + " REPLICATION (ALTER ROLE <role> REPLICATION)";
    Map<String, Finding> f = findings(s, new WalCheck.Replication(null, refusal));

    assertThat(f.get(LABEL + " role"))
        .isEqualTo(
            Finding.fail(
                LABEL + " role",
                "role backup lacks REPLICATION: it can neither stream WAL nor create the slot;"
                    + " ALTER ROLE backup REPLICATION"));
    assertThat(f.get(LABEL + " connection"))
        .isEqualTo(Finding.fail(LABEL + " connection", refusal));
    assertThat(f.get(LABEL + " slot"))
        .isEqualTo(
            Finding.fail(
                LABEL + " slot",
                "slot lifeboat_app does not exist and the WAL receiver cannot create it: role"
                    + " backup lacks REPLICATION (ALTER ROLE backup REPLICATION)"));
  }

  @Test
  void aSuperuserMayDoItAllButEveryReplicationSlotTakenFailsTheSlot() {
    WalCheck.Server s =
        new WalCheck.Server("replica", 10, 0, 4, 4, "10GB", false, true, false, Optional.empty());

    assertThat(line(s, "role"))
        .isEqualTo(Finding.ok(LABEL + " role", "role backup is a superuser"));
    assertThat(line(s, "slot").status()).isEqualTo(CheckStatus.FAIL);
    assertThat(line(s, "slot").detail())
        .isEqualTo(
            "slot lifeboat_app does not exist and the WAL receiver cannot create it: all 4"
                + " replication slots (max_replication_slots) are taken (raise it, then restart"
                + " the server)");
  }

  @Test
  void aStandbyFailsNamingTheUrlToChange() {
    WalCheck.Server s =
        new WalCheck.Server("replica", 10, 0, 10, 0, "10GB", true, false, true, Optional.empty());

    assertThat(line(s, "primary"))
        .isEqualTo(
            Finding.fail(
                LABEL + " primary",
                "the server is a standby (in recovery); archive the WAL of the primary: point"
                    + " lifeboat.targets.app.url at it"));
  }

  @Test
  void reservedAndExtendedSlotsAreGreenUnreservedWarnsLostFails() {
    assertThat(line(with(ready(), slot(WalStatus.RESERVED, false)), "slot"))
        .isEqualTo(
            Finding.ok(
                LABEL + " slot",
                "slot lifeboat_app reserved, retains 48.0 MiB of WAL since 0/2000000"));
    assertThat(line(with(ready(), slot(WalStatus.EXTENDED, false)), "slot").status())
        .isEqualTo(CheckStatus.OK);

    Finding unreserved = line(with(ready(), slot(WalStatus.UNRESERVED, false)), "slot");
    assertThat(unreserved.status()).isEqualTo(CheckStatus.WARN);
    assertThat(unreserved.detail())
        .startsWith("slot lifeboat_app unreserved, retains 48.0 MiB of WAL since 0/2000000: beyond")
        .contains("docs/runbook.md#replicationslotretainingwal")
        .endsWith("or raise max_slot_wal_keep_size");

    assertThat(line(with(ready(), slot(WalStatus.LOST, false)), "slot"))
        .isEqualTo(
            Finding.fail(
                LABEL + " slot",
                "slot lifeboat_app lost: the server removed WAL the slot held and the slot cannot"
                    + " be used again; drop it (SELECT pg_drop_replication_slot('lifeboat_app'))"
                    + " so that a new one is created"));
  }

  @Test
  void aSlotAnotherClientStreamsFromWarnsAndNamesTheSetting() {
    Finding f = line(with(ready(), slot(WalStatus.RESERVED, true)), "slot");

    assertThat(f.status()).isEqualTo(CheckStatus.WARN);
    assertThat(f.detail())
        .endsWith(
            "; a client streams from it now, and Lifeboat moves this slot itself and cannot while"
                + " a client holds it: stop that client, or give Lifeboat a slot of its own"
                + " (lifeboat.targets.app.wal.slot)");
  }

  @Test
  void anUnlimitedKeepSizeWarnsWithTheStatementThatCapsIt() {
    WalCheck.Server unlimited =
        new WalCheck.Server("replica", 10, 0, 10, 0, "-1", true, false, false, Optional.empty());
    Slot safe =
        new Slot("lifeboat_app", Lsn.parse("0/2000000"), WalStatus.RESERVED, 1L << 30, false, 0L);

    assertThat(line(unlimited, "keep size"))
        .isEqualTo(
            Finding.warn(
                LABEL + " keep size",
                "max_slot_wal_keep_size -1 (unlimited): a slot nobody moves keeps WAL until the"
                    + " server's disk is full; cap it at what pg_wal's disk can spare: ALTER SYSTEM"
                    + " SET max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf();"));
    assertThat(line(with(ready(), safe), "keep size").detail())
        .isEqualTo("max_slot_wal_keep_size 10GB: 1.0 GiB more before the slot is lost");
  }

  @Test
  void onlyTargetsWithWalEnabledHaveAProbe() {
    Map<String, String> all = new LinkedHashMap<>();
    for (String t : List.of("app", "shop", "crm")) {
      all.put("lifeboat.targets." + t + ".url", "jdbc:postgresql://127.0.0.1:5432/" + t);
      all.put("lifeboat.targets." + t + ".username", "backup");
    }
    all.put("lifeboat.targets.shop.wal.enabled", "true");
    all.put("lifeboat.targets.crm.wal.enabled", "false");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    LifeboatConfig config =
        new LifeboatConfig(
            new Binder(new MapConfigurationPropertySource(all))
                .bindOrCreate("lifeboat", LifeboatProperties.class));
    try (StoreFactory factory = new StoreFactory()) {
      WalCheck check = new WalCheck(config, new Targets(config, factory));

      assertThat(check.topic()).isEqualTo("wal");
      assertThat(check.probes())
          .extracting(DoctorCheck.Probe::name)
          .containsExactly("target shop wal");
    }
  }
}
