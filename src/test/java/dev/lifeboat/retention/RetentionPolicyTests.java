package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.retention.RetentionPolicy.Backup;
import dev.lifeboat.retention.RetentionPolicy.Decision;
import dev.lifeboat.retention.RetentionPolicy.Plan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RetentionPolicyTests {

  static final Instant NOW = Instant.parse("2026-11-26T03:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final Duration NO_GUARD = Duration.ofDays(100_000);

  static RetentionRules rules(
      int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    return new RetentionRules(
        last, hourly, daily, weekly, monthly, yearly, null, List.of(), Duration.ZERO, null);
  }

  static final RetentionRules NOTHING = rules(0, 0, 0, 0, 0, 0);

  static Backup at(String time) {
    Instant t = Instant.parse(time);
    return new Backup(id(t), t, "nightly", false, null);
  }

  static String id(Instant t) {
    return t.toString().replace("-", "").replace(":", "");
  }

  static Map<String, List<String>> kept(Plan plan) {
    return plan.kept().stream()
        .collect(Collectors.toMap(d -> d.backup().completedAt().toString(), Decision::words));
  }

  static List<String> deleted(Plan plan) {
    return plan.deleted().stream().map(d -> d.backup().completedAt().toString()).toList();
  }

  /** One backup a day at 02:00 UTC for {@code days} days back from NOW (newest first). */
  static List<Backup> daily(int days) {
    List<Backup> list = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      list.add(at(NOW.minus(Duration.ofDays(d)).minus(Duration.ofHours(1)).toString()));
    }
    return list;
  }

  @Test
  void noRulesKeepsOnlyTheNewestBackup() {
    Plan plan = RetentionPolicy.plan(daily(5), CLOCK, NOTHING, NO_GUARD);
    assertThat(plan.kept()).hasSize(1);
    assertThat(plan.kept().get(0).words()).containsExactly("newest");
    assertThat(plan.deleted()).hasSize(4);
    assertThat(plan.guard()).isNull();
  }

  @Test
  void keepLastKeepsTheNNewest() {
    Plan plan = RetentionPolicy.plan(daily(10), CLOCK, rules(3, 0, 0, 0, 0, 0), NO_GUARD);
    assertThat(plan.kept()).hasSize(3);
    assertThat(plan.decisions().subList(0, 3)).allMatch(d -> d.words().contains("keep-last"));
    assertThat(plan.deleted()).hasSize(7);
  }

  @Test
  void keepDailyKeepsTheNewestOfEachOfTheNMostRecentDaysThatHaveABackup() {
    List<Backup> list =
        List.of(
            at("2026-11-25T23:00:00Z"),
            at("2026-11-25T12:00:00Z"),
            at("2026-11-25T01:00:00Z"),
            // no backup on the 24th and 23rd: days without a backup do not count
            at("2026-11-22T18:00:00Z"),
            at("2026-11-22T06:00:00Z"),
            at("2026-11-20T10:00:00Z"),
            at("2026-11-19T10:00:00Z"));
    Plan plan = RetentionPolicy.plan(list, CLOCK, rules(0, 0, 3, 0, 0, 0), NO_GUARD);
    assertThat(kept(plan))
        .containsOnlyKeys("2026-11-25T23:00:00Z", "2026-11-22T18:00:00Z", "2026-11-20T10:00:00Z");
    assertThat(kept(plan).get("2026-11-22T18:00:00Z")).containsExactly("keep-daily");
    assertThat(kept(plan).get("2026-11-25T23:00:00Z")).containsExactly("keep-daily", "newest");
  }

  @Test
  void keepHourlyCountsHoursThatHaveABackup() {
    List<Backup> list =
        List.of(
            at("2026-11-25T10:50:00Z"),
            at("2026-11-25T10:10:00Z"),
            at("2026-11-25T08:30:00Z"),
            at("2026-11-25T07:30:00Z"));
    Plan plan = RetentionPolicy.plan(list, CLOCK, rules(0, 2, 0, 0, 0, 0), NO_GUARD);
    assertThat(kept(plan)).containsOnlyKeys("2026-11-25T10:50:00Z", "2026-11-25T08:30:00Z");
  }

  @Test
  void keepWeeklyUsesIsoWeeksThatBeginOnMonday() {
    List<Backup> list =
        List.of(
            at("2026-11-23T05:00:00Z"), // Monday, week 48
            at("2026-11-22T05:00:00Z"), // Sunday, week 47
            at("2026-11-16T05:00:00Z"), // Monday, week 47
            at("2026-11-15T05:00:00Z"), // Sunday, week 46
            at("2026-01-01T05:00:00Z"), // Thursday, ISO week 1 of 2026
            at("2025-12-29T05:00:00Z")); // Monday: the same ISO week 1 of 2026
    Plan plan = RetentionPolicy.plan(list, CLOCK, rules(0, 0, 0, 10, 0, 0), NO_GUARD);
    assertThat(kept(plan))
        .containsOnlyKeys(
            "2026-11-23T05:00:00Z",
            "2026-11-22T05:00:00Z",
            "2026-11-15T05:00:00Z",
            "2026-01-01T05:00:00Z");
  }

  @Test
  void keepMonthlyAndYearlyKeepTheNewestOfEachPeriod() {
    List<Backup> list =
        List.of(
            at("2026-11-20T05:00:00Z"),
            at("2026-11-01T05:00:00Z"),
            at("2026-10-31T05:00:00Z"),
            at("2026-09-15T05:00:00Z"),
            at("2025-12-31T05:00:00Z"),
            at("2025-06-30T05:00:00Z"),
            at("2024-03-01T05:00:00Z"));
    Plan monthly = RetentionPolicy.plan(list, CLOCK, rules(0, 0, 0, 0, 3, 0), NO_GUARD);
    assertThat(kept(monthly))
        .containsOnlyKeys("2026-11-20T05:00:00Z", "2026-10-31T05:00:00Z", "2026-09-15T05:00:00Z");
    Plan yearly = RetentionPolicy.plan(list, CLOCK, rules(0, 0, 0, 0, 0, 5), NO_GUARD);
    assertThat(kept(yearly))
        .containsOnlyKeys("2026-11-20T05:00:00Z", "2025-12-31T05:00:00Z", "2024-03-01T05:00:00Z");
  }

  @Test
  void aBackupKeptByManyRulesCarriesEveryReason() {
    Plan plan = RetentionPolicy.plan(daily(3), CLOCK, rules(1, 1, 1, 1, 1, 1), NO_GUARD);
    assertThat(plan.decisions().get(0).words())
        .containsExactly(
            "keep-last",
            "keep-hourly",
            "keep-daily",
            "keep-weekly",
            "keep-monthly",
            "keep-yearly",
            "newest");
  }

  @Test
  void theZoneDecidesWhereADayBegins() {
    // 23:30 UTC on the 24th is the 25th in Berlin: in Berlin both are one day
    List<Backup> list = List.of(at("2026-11-25T10:00:00Z"), at("2026-11-24T23:30:00Z"));
    RetentionRules utc = rules(0, 0, 2, 0, 0, 0);
    RetentionRules berlin =
        new RetentionRules(
            0, 0, 2, 0, 0, 0, null, List.of(), Duration.ZERO, ZoneId.of("Europe/Berlin"));
    assertThat(RetentionPolicy.plan(list, CLOCK, utc, NO_GUARD).kept()).hasSize(2);
    assertThat(RetentionPolicy.plan(list, CLOCK, berlin, NO_GUARD).kept()).hasSize(1);
  }

  @Test
  void keepWithinCountsBackFromTheNewestBackupNotFromNow() {
    // backups stopped 10 days ago (guard switched off here): keep-within 3d still keeps 3 days
    List<Backup> list = new ArrayList<>();
    for (int d = 10; d < 20; d++) {
      list.add(at(NOW.minus(Duration.ofDays(d)).toString()));
    }
    RetentionRules within =
        new RetentionRules(0, 0, 0, 0, 0, 0, Duration.ofDays(3), List.of(), Duration.ZERO, null);
    Plan plan = RetentionPolicy.plan(list, CLOCK, within, NO_GUARD);
    assertThat(deleted(plan)).hasSize(6);
    assertThat(plan.kept()).hasSize(4); // 10, 11, 12 and 13 days old: 13 is exactly 3d older
    assertThat(plan.kept()).allMatch(d -> d.words().contains("keep-within"));
  }

  @Test
  void keepLabelsKeepEveryBackupWithSuchALabelAndAcceptAPrefixPattern() {
    List<Backup> list =
        List.of(
            at("2026-11-25T05:00:00Z"),
            new Backup("a", Instant.parse("2026-01-01T00:00:00Z"), "release-1.0", false, null),
            new Backup("b", Instant.parse("2026-02-01T00:00:00Z"), "yearly-audit", false, null),
            new Backup("c", Instant.parse("2026-03-01T00:00:00Z"), "nightly", false, null));
    RetentionRules labels =
        new RetentionRules(
            0, 0, 0, 0, 0, 0, null, List.of("release-*", "yearly-audit"), Duration.ZERO, null);
    Plan plan = RetentionPolicy.plan(list, CLOCK, labels, NO_GUARD);
    assertThat(plan.kept().stream().map(d -> d.backup().id()))
        .containsExactlyInAnyOrder(list.get(0).id(), "a", "b");
    assertThat(deleted(plan)).containsExactly("2026-03-01T00:00:00Z");
  }

  @Test
  void aStarInKeepLabelsStillKeepsBackupsWithoutALabel() {
    // before issue 20 an unlabelled backup's manifest said "label": "", which '*' matched; now it
    // has no label, and an upgrade must not start deleting what '*' kept
    List<Backup> list =
        List.of(
            at("2026-11-25T05:00:00Z"),
            new Backup("a", Instant.parse("2026-01-01T00:00:00Z"), null, false, null),
            new Backup("b", Instant.parse("2026-02-01T00:00:00Z"), "nightly", false, null));
    RetentionRules star =
        new RetentionRules(0, 0, 0, 0, 0, 0, null, List.of("*"), Duration.ZERO, null);
    assertThat(deleted(RetentionPolicy.plan(list, CLOCK, star, NO_GUARD))).isEmpty();

    RetentionRules prefix =
        new RetentionRules(0, 0, 0, 0, 0, 0, null, List.of("night*"), Duration.ZERO, null);
    assertThat(deleted(RetentionPolicy.plan(list, CLOCK, prefix, NO_GUARD)))
        .containsExactly("2026-01-01T00:00:00Z");
  }

  @Test
  void nothingYoungerThanMinAgeIsDeleted() {
    RetentionRules minAge =
        new RetentionRules(0, 0, 0, 0, 0, 0, null, List.of(), Duration.ofHours(30), null);
    // 1h, 25h, 49h old
    Plan plan = RetentionPolicy.plan(daily(3), CLOCK, minAge, NO_GUARD);
    assertThat(plan.kept()).hasSize(2);
    assertThat(plan.decisions().get(1).words()).containsExactly("min-age");
    assertThat(plan.decisions().get(2).kept()).isFalse();
  }

  @Test
  void pinnedBackupsAreKeptWhateverTheRules() {
    List<Backup> list = new ArrayList<>(daily(5));
    Backup old = list.get(4);
    list.set(4, new Backup(old.id(), old.completedAt(), old.label(), true, null));
    Plan plan = RetentionPolicy.plan(list, CLOCK, NOTHING, NO_GUARD);
    assertThat(plan.decisions().get(4).words()).containsExactly("pinned");
    assertThat(plan.kept()).hasSize(2);
  }

  @Test
  void theNewestVerifiedBackupIsKeptEvenWhenNewerOnesExist() {
    List<Backup> list = new ArrayList<>(daily(6));
    for (int i : new int[] {3, 5}) {
      Backup b = list.get(i);
      list.set(i, new Backup(b.id(), b.completedAt(), b.label(), false, NOW));
    }
    Plan plan = RetentionPolicy.plan(list, CLOCK, NOTHING, NO_GUARD);
    assertThat(plan.decisions().get(3).words()).containsExactly("newest-verified");
    assertThat(plan.decisions().get(5).kept()).isFalse(); // an older verified one is not a floor
    assertThat(plan.kept()).hasSize(2);
  }

  @Test
  void safetyBackupsAreKeptFourteenDaysUnlessARuleKeepsThemLonger() {
    List<Backup> list =
        List.of(
            at("2026-11-25T05:00:00Z"),
            new Backup("r", NOW.minus(Duration.ofDays(13)), "pre-restore", false, null),
            new Backup("m", NOW.minus(Duration.ofDays(10)), "pre-migrate-V7", false, null),
            new Backup("p", NOW.minus(Duration.ofDays(2)), "post-migrate-V7", false, null),
            new Backup("old", NOW.minus(Duration.ofDays(15)), "pre-restore", false, null),
            new Backup("n", NOW.minus(Duration.ofDays(3)), "nightly", false, null));
    Plan plan = RetentionPolicy.plan(list, CLOCK, NOTHING, NO_GUARD);
    assertThat(plan.kept().stream().map(d -> d.backup().id()))
        .containsExactlyInAnyOrder(list.get(0).id(), "r", "m", "p");
    assertThat(plan.deleted().stream().map(d -> d.backup().id()))
        .containsExactlyInAnyOrder("old", "n");
    RetentionRules labels =
        new RetentionRules(0, 0, 0, 0, 0, 0, null, List.of("pre-restore"), Duration.ZERO, null);
    assertThat(
            RetentionPolicy.plan(list, CLOCK, labels, NO_GUARD).deleted().stream()
                .map(d -> d.backup().id()))
        .containsExactly("n");
  }

  @Test
  void whenTheNewestBackupIsTooOldNothingIsDeletedAndThePlanSaysWhy() {
    List<Backup> list = new ArrayList<>();
    for (int d = 3; d < 60; d++) {
      list.add(at(NOW.minus(Duration.ofDays(d)).toString()));
    }
    Plan plan =
        RetentionPolicy.plan(list, CLOCK, NOTHING, RetentionPolicy.FAILING_WITHOUT_SCHEDULE);
    assertThat(plan.deleted()).isEmpty();
    assertThat(plan.kept()).allMatch(d -> d.words().contains("backups-failing"));
    assertThat(plan.guard())
        .contains("completed 3d ago, more than 48h")
        .contains("backups are failing, so nothing is deleted");
  }

  @Test
  void theGuardFollowsTheScheduleInterval() {
    // daily schedule: failing after 2d; the newest is 1d 1h old: not failing
    Plan plan = RetentionPolicy.plan(daily(10), CLOCK, NOTHING, Duration.ofDays(2));
    assertThat(plan.guard()).isNull();
    assertThat(plan.deleted()).hasSize(9);
    // hourly schedule: failing after 2h; the newest is 1h old... and 3h old is failing
    List<Backup> stale = daily(10).subList(1, 10);
    assertThat(RetentionPolicy.plan(stale, CLOCK, NOTHING, Duration.ofHours(2)).deleted())
        .isEmpty();
  }

  @Test
  void noBackupsMakeAnEmptyPlan() {
    Plan plan = RetentionPolicy.plan(List.of(), CLOCK, RetentionRules.DEFAULTS, NO_GUARD);
    assertThat(plan.decisions()).isEmpty();
    assertThat(plan.guard()).isNull();
  }

  @Test
  void theSameIdTwiceIsRefused() {
    Backup b = at("2026-11-25T05:00:00Z");
    assertThatThrownBy(() -> RetentionPolicy.plan(List.of(b, b), CLOCK, NOTHING, NO_GUARD))
        .hasMessageContaining("listed twice");
  }

  @Test
  void backupsCompletedAtTheSameInstantAreOrderedById() {
    Instant t = Instant.parse("2026-11-20T05:00:00Z");
    List<Backup> list =
        List.of(
            new Backup("x-1", t, null, false, null),
            new Backup("x-2", t, null, false, null),
            new Backup("x-0", t, null, false, null));
    Plan plan = RetentionPolicy.plan(list, CLOCK, NOTHING, NO_GUARD);
    assertThat(plan.kept())
        .singleElement()
        .satisfies(d -> assertThat(d.backup().id()).isEqualTo("x-2"));
  }

  @Test
  void defaultRulesOverFourHundredDailyBackupsKeepTheRestic_Set() {
    Plan plan = RetentionPolicy.plan(daily(400), CLOCK, RetentionRules.DEFAULTS, NO_GUARD);
    // 7 last (= the 7 daily), 4 weekly (2 of them beyond the 7 days), 12 monthly (11 beyond)
    long weeklyOnly =
        plan.kept().stream()
            .filter(d -> d.words().contains("keep-weekly") && !d.words().contains("keep-daily"))
            .count();
    assertThat(plan.decisions().subList(0, 7)).allMatch(Decision::kept);
    assertThat(plan.kept().stream().filter(d -> d.words().contains("keep-monthly"))).hasSize(12);
    assertThat(plan.kept().size()).isBetween(7 + 11, 7 + 3 + 12);
    assertThat(weeklyOnly).isBetween(2L, 3L);
  }

  @Test
  void negativeCountsAreRefused() {
    assertThatThrownBy(() -> rules(-1, 0, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
  }

  @Test
  void rulesDescribeThemselvesInTheirConfigurationWords() {
    assertThat(RetentionRules.DEFAULTS.describe())
        .isEqualTo("keep-last 7, keep-daily 7, keep-weekly 4, keep-monthly 12, min-age 24h");
  }

  /** The worked example of docs/backup-restore.md ("Retention"), exactly. */
  @Test
  void theWorkedExampleOfTheDocsHolds() {
    List<Backup> list = new ArrayList<>();
    for (Instant t = Instant.parse("2026-10-01T02:00:00Z");
        !t.isAfter(Instant.parse("2026-11-26T02:00:00Z"));
        t = t.plus(Duration.ofDays(1))) {
      list.add(new Backup(id(t), t, "nightly", t.toString().startsWith("2026-11-01"), null));
    }
    Instant safety = Instant.parse("2026-11-20T10:00:00Z");
    list.add(new Backup(id(safety), safety, "pre-restore", false, null));
    RetentionRules rules =
        new RetentionRules(2, 0, 5, 3, 2, 0, null, List.of(), Duration.ofHours(24), null);
    Plan plan = RetentionPolicy.plan(list, CLOCK, rules, Duration.ofHours(48));
    Map<String, List<String>> kept = kept(plan);
    assertThat(kept)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "2026-11-26T02:00:00Z",
                    List.of(
                        "keep-last",
                        "keep-daily",
                        "keep-weekly",
                        "keep-monthly",
                        "newest",
                        "min-age"),
                "2026-11-25T02:00:00Z", List.of("keep-last", "keep-daily"),
                "2026-11-24T02:00:00Z", List.of("keep-daily"),
                "2026-11-23T02:00:00Z", List.of("keep-daily"),
                "2026-11-22T02:00:00Z", List.of("keep-daily", "keep-weekly"),
                "2026-11-20T10:00:00Z", List.of("safety"),
                "2026-11-15T02:00:00Z", List.of("keep-weekly"),
                "2026-11-01T02:00:00Z", List.of("pinned"),
                "2026-10-31T02:00:00Z", List.of("keep-monthly")));
    assertThat(plan.deleted()).hasSize(list.size() - 9);
  }
}
