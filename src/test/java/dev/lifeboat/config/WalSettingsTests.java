package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.LifeboatProperties.Wal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

class WalSettingsTests {

  /** Bound as the application binds it: unknown keys refused. */
  private static LifeboatProperties bind(Map<String, String> entries) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1:5432/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    all.putAll(entries);
    return new Binder(new MapConfigurationPropertySource(all))
        .bindOrCreate(
            "lifeboat",
            Bindable.of(LifeboatProperties.class),
            new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
  }

  private static void check(Map<String, String> entries) {
    WalSettings.check(bind(entries).targets());
  }

  private static void refused(Map<String, String> entries, String message) {
    assertThatThrownBy(() -> check(entries))
        .as(entries.toString())
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void aTargetWithoutAWalSectionIsNotArchivedAndHasTheDefaults() {
    LifeboatProperties p = bind(Map.of());
    Wal wal = p.targets().get("app").wal();

    assertThat(wal.enabled()).isFalse();
    assertThat(wal.slot()).isNull();
    assertThat(wal.slotName("app")).isEqualTo("lifeboat_app");
    assertThat(wal.slotName("shop-eu")).isEqualTo("lifeboat_shop_eu");
    assertThat(wal.partialUploadInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(wal.spoolMax()).isEqualTo(DataSize.ofGigabytes(2));
    assertThat(wal.compressionLevel()).isEqualTo(3);
    assertThat(wal.basebackupOnBreak()).isTrue();
    assertThat(wal.basebackupWalTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThatCode(() -> WalSettings.check(p.targets())).doesNotThrowAnyException();
  }

  @Test
  void everyWalKeyBindsAndAMisspeltOneIsAnUnknownKey() {
    LifeboatProperties p =
        bind(
            Map.of(
                "lifeboat.targets.app.wal.enabled", "true",
                "lifeboat.targets.app.wal.slot", "archive_app",
                "lifeboat.targets.app.wal.partial-upload-interval", "2s",
                "lifeboat.targets.app.wal.spool-max", "512MB",
                "lifeboat.targets.app.wal.compression-level", "9",
                "lifeboat.targets.app.wal.basebackup-on-break", "false",
                "lifeboat.targets.app.wal.basebackup-wal-timeout", "90s"));
    Wal wal = p.targets().get("app").wal();

    assertThat(wal)
        .isEqualTo(
            new Wal(
                true,
                "archive_app",
                Duration.ofSeconds(2),
                DataSize.ofMegabytes(512),
                9,
                false,
                Duration.ofSeconds(90)));
    assertThat(wal.slotName("app")).isEqualTo("archive_app");
    assertThatCode(() -> WalSettings.check(p.targets())).doesNotThrowAnyException();
    assertThatThrownBy(() -> bind(Map.of("lifeboat.targets.app.wal.spool-maximum", "1GB")))
        .isInstanceOf(BindException.class)
        .hasStackTraceContaining("lifeboat.targets.app.wal.spool-maximum");
  }

  @Test
  void aSlotNamePostgresqlRefusesIsNamedWithItsKey() {
    String rule =
        " is not a replication slot name; use lower-case letters, digits and '_' (at most 63)";
    refused(
        Map.of("lifeboat.targets.app.wal.slot", "Lifeboat-App"),
        "lifeboat.targets.app.wal.slot: 'Lifeboat-App'" + rule);
    refused(
        Map.of(
            "lifeboat.targets.app.wal.enabled",
            "true",
            "lifeboat.targets.app.wal.slot",
            "a".repeat(64)),
        "lifeboat.targets.app.wal.slot: '" + "a".repeat(64) + "'" + rule);
    check(Map.of("lifeboat.targets.app.wal.slot", "a".repeat(63)));
  }

  @Test
  void aTargetNameTooLongForTheDefaultSlotNeedsOneOnlyOnceWalIsOn() {
    String name = "t".repeat(60);
    Map<String, String> target =
        Map.of(
            "lifeboat.targets." + name + ".url", "jdbc:postgresql://127.0.0.1:5433/long",
            "lifeboat.targets." + name + ".username", "backup");
    check(target);

    Map<String, String> on = new LinkedHashMap<>(target);
    on.put("lifeboat.targets." + name + ".wal.enabled", "true");
    refused(
        on,
        "lifeboat.targets."
            + name
            + ".wal.slot: 'lifeboat_"
            + name
            + "' is not a replication slot name; use lower-case letters, digits and '_' (at"
            + " most 63), and set it: the default is made from the target's name");
    on.put("lifeboat.targets." + name + ".wal.slot", "lifeboat_long");
    check(on);
  }

  @Test
  void aPartialUploadIntervalUnderOneSecondIsRefused() {
    for (String value : new String[] {"0s", "-5s", "500ms"}) {
      refused(
          Map.of("lifeboat.targets.app.wal.partial-upload-interval", value),
          "lifeboat.targets.app.wal.partial-upload-interval: "
              + value
              + " is too short; use at least 1s (it bounds how old the newest WAL in the stores"
              + " may be)");
    }
    check(Map.of("lifeboat.targets.app.wal.partial-upload-interval", "1s"));
  }

  @Test
  void aBaseBackupWalTimeoutUnderOneSecondIsRefused() {
    refused(
        Map.of("lifeboat.targets.app.wal.basebackup-wal-timeout", "0s"),
        "lifeboat.targets.app.wal.basebackup-wal-timeout: 0s is too short; use at least 1s (how"
            + " long a base backup waits for its WAL in each store)");
  }

  @Test
  void aSpoolSmallerThanFourSegmentsIsRefused() {
    refused(
        Map.of("lifeboat.targets.app.wal.spool-max", "10MB"),
        "lifeboat.targets.app.wal.spool-max: 10MB is too small; use at least 64MB (four WAL"
            + " segments of 16 MB), e.g. 2GB");
    refused(
        Map.of("lifeboat.targets.app.wal.spool-max", "1000"),
        "lifeboat.targets.app.wal.spool-max: 1000B is too small; use at least 64MB (four WAL"
            + " segments of 16 MB), e.g. 2GB");
    check(Map.of("lifeboat.targets.app.wal.spool-max", "64MB"));
  }

  @Test
  void aCompressionLevelZstdDoesNotHaveIsRefused() {
    for (String level : new String[] {"0", "23", "-1"}) {
      refused(
          Map.of("lifeboat.targets.app.wal.compression-level", level),
          "lifeboat.targets.app.wal.compression-level: "
              + level
              + " is not a zstd level; use 1 to 22 (default 3)");
    }
    check(Map.of("lifeboat.targets.app.wal.compression-level", "22"));
  }

  @Test
  void twoTargetsOnOneServerMayNotBothArchiveItsWal() {
    Map<String, String> two = new LinkedHashMap<>();
    two.put("lifeboat.targets.app2.url", "jdbc:postgresql://127.0.0.1:5432/other?sslmode=disable");
    two.put("lifeboat.targets.app2.username", "backup");
    two.put("lifeboat.targets.app.wal.enabled", "true");
    check(two);

    two.put("lifeboat.targets.app2.wal.enabled", "true");
    refused(
        two,
        "lifeboat.targets.app2.wal.enabled: target app already archives the WAL of"
            + " 127.0.0.1:5432; WAL belongs to a server, enable it on one target");

    // the default port and the host's case do not make another server
    two.put("lifeboat.targets.app.url", "jdbc:postgresql://DB.internal/app");
    two.put("lifeboat.targets.app2.url", "jdbc:postgresql://db.internal:5432/other");
    refused(
        two,
        "lifeboat.targets.app2.wal.enabled: target app already archives the WAL of"
            + " db.internal:5432; WAL belongs to a server, enable it on one target");

    two.put("lifeboat.targets.app2.url", "jdbc:postgresql://db.internal:5433/other");
    check(two);
  }

  @Test
  void theConfigurationChecksTheWalSettingsWithTheRest() {
    LifeboatConfig config =
        new LifeboatConfig(bind(Map.of("lifeboat.targets.app.wal.spool-max", "1MB")));

    assertThatThrownBy(config::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.targets.app.wal.spool-max: 1MB is too small")
        .extracting(e -> ((ConfigException) e).exitCode())
        .isEqualTo(2);
  }
}
