package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatProperties;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class RetentionSettingsTests {

  static final Instant NOW = Instant.parse("2026-11-26T03:00:00Z");

  static LifeboatProperties props(String... keyValues) {
    Map<String, String> all = new HashMap<>();
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1/app");
    all.put("lifeboat.targets.other.url", "jdbc:postgresql://127.0.0.1/other");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/tmp/x");
    all.put("lifeboat.stores.offsite.type", "filesystem");
    all.put("lifeboat.stores.offsite.path", "/tmp/y");
    for (int i = 0; i < keyValues.length; i += 2) {
      all.put(keyValues[i], keyValues[i + 1]);
    }
    return new Binder(new MapConfigurationPropertySource(all))
        .bindOrCreate("lifeboat", LifeboatProperties.class);
  }

  @Test
  void withoutConfigurationTheContractDefaultsApply() {
    assertThat(RetentionSettings.rules(props(), "app", "local")).isEqualTo(RetentionRules.DEFAULTS);
  }

  @Test
  void aStoreOverridesItsTargetWhichOverridesTheGlobalRulesKeyByKey() {
    LifeboatProperties p =
        props(
            "lifeboat.retention.keep-last", "3",
            "lifeboat.retention.keep-yearly", "5",
            "lifeboat.retention.zone", "Europe/Berlin",
            "lifeboat.targets.app.retention.keep-last", "10",
            "lifeboat.targets.app.retention.keep-within", "30d",
            "lifeboat.stores.offsite.retention.keep-last", "1",
            "lifeboat.stores.offsite.retention.keep-labels[0]", "release-*",
            "lifeboat.stores.offsite.retention.min-age", "72h");
    RetentionRules local = RetentionSettings.rules(p, "app", "local");
    assertThat(local.keepLast()).isEqualTo(10);
    assertThat(local.keepYearly()).isEqualTo(5);
    assertThat(local.keepWithin()).isEqualTo(Duration.ofDays(30));
    assertThat(local.keepDaily()).isEqualTo(7);
    assertThat(local.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(local.minAge()).isEqualTo(Duration.ofHours(24));
    RetentionRules offsite = RetentionSettings.rules(p, "app", "offsite");
    assertThat(offsite.keepLast()).isEqualTo(1);
    assertThat(offsite.keepLabels()).containsExactly("release-*");
    assertThat(offsite.minAge()).isEqualTo(Duration.ofHours(72));
    assertThat(offsite.keepWithin()).isEqualTo(Duration.ofDays(30));
    assertThat(RetentionSettings.rules(p, "other", "local").keepLast()).isEqualTo(3);
  }

  @Test
  void aBadZoneIsAConfigurationErrorNamingItsKey() {
    LifeboatProperties p = props("lifeboat.stores.local.retention.zone", "Mars/Olympus");
    assertThatThrownBy(() -> RetentionSettings.rules(p, "app", "local"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifeboat.stores.local.retention.zone")
        .hasMessageContaining("Mars/Olympus");
  }

  @Test
  void withoutABackupScheduleBackupsAreFailingAfter48Hours() {
    assertThat(RetentionSettings.failingAfter(props(), "app", NOW)).isEqualTo(Duration.ofHours(48));
  }

  @Test
  void withABackupScheduleBackupsAreFailingAfterTwiceItsLongestInterval() {
    LifeboatProperties p =
        props(
            "lifeboat.schedules.backup.cron", "0 0 * * * ?",
            "lifeboat.schedules.prune.cron", "0 30 3 * * ?",
            "lifeboat.targets.other.schedules.backup.cron", "0 0 2 ? * SUN");
    assertThat(RetentionSettings.failingAfter(p, "app", NOW)).isEqualTo(Duration.ofHours(2));
    assertThat(RetentionSettings.failingAfter(p, "other", NOW)).isEqualTo(Duration.ofDays(14));
  }

  @Test
  void baseBackupsAreFailingAfterTwiceTheirOwnScheduleAndWithoutOneNever() {
    LifeboatProperties p =
        props(
            "lifeboat.schedules.backup.cron", "0 0 * * * ?",
            "lifeboat.targets.app.schedules.basebackup.cron", "0 0 2 ? * SUN");
    assertThat(RetentionSettings.baseBackupsFailingAfter(p, "app", NOW))
        .isEqualTo(Duration.ofDays(14));
    assertThat(RetentionSettings.baseBackupsFailingAfter(p, "other", NOW))
        .isEqualTo(RetentionSettings.NO_GUARD);
    assertThat(RetentionSettings.failingAfter(p, "app", NOW)).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aScheduleSwitchedOffForATargetFallsBackTo48Hours() {
    LifeboatProperties p =
        props(
            "lifeboat.schedules.backup.cron", "0 0 * * * ?",
            "lifeboat.targets.other.schedules.backup.enabled", "false");
    assertThat(RetentionSettings.failingAfter(p, "other", NOW)).isEqualTo(Duration.ofHours(48));
    assertThat(List.of(RetentionSettings.failingAfter(p, "app", NOW)))
        .containsExactly(Duration.ofHours(2));
  }
}
