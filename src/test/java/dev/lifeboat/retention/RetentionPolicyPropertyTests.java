package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.retention.RetentionPolicy.Backup;
import dev.lifeboat.retention.RetentionPolicy.Decision;
import dev.lifeboat.retention.RetentionPolicy.Plan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** For arbitrary histories and rules: the floors hold, order does not matter, it is idempotent. */
class RetentionPolicyPropertyTests {

  static final Instant NOW = Instant.parse("2026-11-26T03:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  record Case(List<Backup> backups, RetentionRules rules, Duration failingAfter) {
    Plan plan() {
      return RetentionPolicy.plan(backups, CLOCK, rules, failingAfter);
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Backup> backup =
        Combinators.combine(
                // up to 400 days back, to the second; a few cluster within minutes of each other
                Arbitraries.longs().between(0, 400L * 86_400),
                Arbitraries.of(
                    "nightly", "pre-restore", "pre-migrate-V3", "post-migrate-V3", "release", null),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 4))
            .as(
                (ago, label, pin, verified) -> {
                  Instant t = NOW.minusSeconds(ago);
                  return new Backup(
                      RetentionPolicyTests.id(t), t, label, pin == 0, verified == 0 ? NOW : null);
                });
    Arbitrary<List<Backup>> history = backup.list().ofMaxSize(80).uniqueElements(Backup::id);
    Arbitrary<Integer> count = Arbitraries.integers().between(0, 12);
    Arbitrary<RetentionRules> rules =
        Combinators.combine(
                count,
                count,
                count,
                count,
                count,
                count,
                Arbitraries.longs().between(-1, 60).map(d -> d < 0 ? null : Duration.ofDays(d)),
                Arbitraries.longs().between(0, 96).map(Duration::ofHours))
            .as(
                (last, hourly, daily, weekly, monthly, yearly, within, minAge) ->
                    new RetentionRules(
                        last,
                        hourly,
                        daily,
                        weekly,
                        monthly,
                        yearly,
                        within,
                        List.of("release"),
                        minAge,
                        ZoneId.of("Europe/Berlin")));
    Arbitrary<Duration> failingAfter =
        Arbitraries.longs().between(1, 30L * 24).map(Duration::ofHours);
    return Combinators.combine(history, rules, failingAfter).as(Case::new);
  }

  @Property(tries = 500, edgeCases = EdgeCasesMode.MIXIN)
  void everyFloorHolds(@ForAll("cases") Case c) {
    Plan plan = c.plan();
    assertThat(plan.decisions()).hasSize(c.backups().size());
    if (c.backups().isEmpty()) {
      return;
    }
    Map<String, Decision> byId = byId(plan);
    Backup newest =
        Collections.max(
            c.backups(), Comparator.comparing(Backup::completedAt).thenComparing(Backup::id));
    assertThat(byId.get(newest.id()).kept()).as("newest").isTrue();
    c.backups().stream()
        .filter(b -> b.verifiedAt() != null)
        .max(Comparator.comparing(Backup::completedAt).thenComparing(Backup::id))
        .ifPresent(v -> assertThat(byId.get(v.id()).kept()).as("newest verified").isTrue());
    for (Backup b : c.backups()) {
      Duration age = Duration.between(b.completedAt(), NOW);
      Decision d = byId.get(b.id());
      if (age.compareTo(c.rules().minAge()) < 0) {
        assertThat(d.kept()).as("younger than min-age: %s", b).isTrue();
      }
      if (b.pinned()) {
        assertThat(d.kept()).as("pinned: %s", b).isTrue();
      }
      if (RetentionPolicy.isSafety(b.label()) && age.compareTo(Duration.ofDays(14)) < 0) {
        assertThat(d.kept()).as("safety backup: %s", b).isTrue();
      }
      if ("release".equals(b.label())) {
        assertThat(d.kept()).as("keep-labels: %s", b).isTrue();
      }
    }
    if (Duration.between(newest.completedAt(), NOW).compareTo(c.failingAfter()) > 0) {
      assertThat(plan.deleted()).as("backups failing").isEmpty();
      assertThat(plan.guard()).isNotNull();
    } else {
      assertThat(plan.guard()).isNull();
    }
    assertThat(plan.kept().size())
        .as("keep-last keeps at least N")
        .isGreaterThanOrEqualTo(Math.min(c.rules().keepLast(), c.backups().size()));
  }

  @Property(tries = 300, edgeCases = EdgeCasesMode.MIXIN)
  void theResultDoesNotDependOnTheOrderTheStoreListedTheBackups(
      @ForAll("cases") Case c, @ForAll long seed) {
    List<Backup> shuffled = new ArrayList<>(c.backups());
    Collections.shuffle(shuffled, new Random(seed));
    Plan original = c.plan();
    Plan reordered = RetentionPolicy.plan(shuffled, CLOCK, c.rules(), c.failingAfter());
    assertThat(reasons(reordered)).isEqualTo(reasons(original));
    assertThat(reordered.decisions()).isEqualTo(original.decisions());
  }

  @Property(tries = 300, edgeCases = EdgeCasesMode.MIXIN)
  void runningThePolicyOnItsOwnOutputDeletesNothingMore(@ForAll("cases") Case c) {
    Plan first = c.plan();
    List<Backup> survivors = first.kept().stream().map(Decision::backup).toList();
    Plan second = RetentionPolicy.plan(survivors, CLOCK, c.rules(), c.failingAfter());
    assertThat(second.deleted()).isEmpty();
    assertThat(second.kept()).hasSize(survivors.size());
  }

  private static Map<String, Decision> byId(Plan plan) {
    return plan.decisions().stream().collect(Collectors.toMap(d -> d.backup().id(), d -> d));
  }

  private static Map<String, List<String>> reasons(Plan plan) {
    return plan.decisions().stream()
        .collect(Collectors.toMap(d -> d.backup().id(), Decision::words));
  }
}
