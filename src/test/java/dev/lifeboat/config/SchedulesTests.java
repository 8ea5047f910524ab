package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SchedulesTests {

  static final Instant NOW = Instant.parse("2026-11-26T03:00:00Z");
  static final List<String> VERBS = List.of("backup", "drill", "prune");

  private static LifeboatProperties properties(Map<String, String> entries) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://db/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.targets.billing.url", "jdbc:postgresql://db/billing");
    all.put("lifeboat.targets.billing.username", "backup");
    all.putAll(entries);
    return new Binder(new MapConfigurationPropertySource(all))
        .bindOrCreate("lifeboat", LifeboatProperties.class);
  }

  private static List<Schedules.Planned> plan(Map<String, String> entries) {
    return Schedules.plan(properties(entries), VERBS, NOW);
  }

  @Test
  void aCronThatNeverFiresIsRefusedUnderItsOwnKeyBeforeServeSchedulesIt() {
    assertThatThrownBy(() -> plan(Map.of("lifeboat.schedules.backup.cron", "0 0 2 31 2 ?")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "lifeboat.schedules.backup.cron: '0 0 2 31 2 ?' never fires: no time after"
                + " 2026-11-26T03:00:00Z matches it in UTC (such as 31 February, or a year that has"
                + " passed); fix the day, month or year");
    assertThatThrownBy(
            () -> plan(Map.of("lifeboat.targets.billing.schedules.drill.cron", "0 0 4 30 2 ?")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.targets.billing.schedules.drill.cron: '0 0 4 30 2 ?' never fires");
    // a year that has passed, as of the clock
    assertThatThrownBy(() -> plan(Map.of("lifeboat.schedules.prune.cron", "0 0 1 1 1 ? 2025")))
        .hasMessageStartingWith("lifeboat.schedules.prune.cron: '0 0 1 1 1 ? 2025' never fires");
  }

  @Test
  void whetherACronStillFiresIsJudgedInItsOwnZone() {
    // 00:30 on 26 November 2026 is still to come in Honolulu (UTC-10) at 03:00 UTC, not in UTC
    String once = "0 30 0 26 11 ? 2026";
    assertThat(
            plan(
                Map.of(
                    "lifeboat.schedules.backup.cron",
                    once,
                    "lifeboat.schedules.backup.zone",
                    "Pacific/Honolulu")))
        .hasSize(2);
    assertThatThrownBy(() -> plan(Map.of("lifeboat.schedules.backup.cron", once)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("never fires")
        .hasMessageContaining(" in UTC ");
  }

  @Test
  void rareButRealCronsAndSwitchedOffSchedulesPass() {
    // 29 February comes in 2028; a schedule switched off for one target is not judged there
    assertThat(plan(Map.of("lifeboat.schedules.drill.cron", "0 0 4 29 2 ?")))
        .extracting(Schedules.Planned::target)
        .containsExactly("app", "billing");
    assertThat(
            plan(
                Map.of(
                    "lifeboat.schedules.backup.cron", "0 0 2 * * ?",
                    "lifeboat.targets.app.schedules.backup.enabled", "false",
                    "lifeboat.targets.app.schedules.backup.cron", "0 0 2 31 2 ?")))
        .extracting(Schedules.Planned::target)
        .containsExactly("billing");
  }
}
