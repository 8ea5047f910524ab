package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * For random histories and rules: the floors hold, order does not matter, it is idempotent. Each
 * property runs hundreds of cases drawn from one seed; a failure names the seed and the case, and
 * {@code -Dlifeboat.property.seed=N} replays exactly that run.
 */
class RetentionPolicyPropertyTests {

  static final Instant NOW = Instant.parse("2026-11-26T03:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  /** The system property that fixes the seed, to replay a failure. */
  static final String SEED = "lifeboat.property.seed";

  static final List<String> LABELS =
      java.util.Arrays.asList(
          "nightly", "pre-restore", "pre-migrate-V3", "post-migrate-V3", "release", null);

  record Case(List<Backup> backups, RetentionRules rules, Duration failingAfter) {
    Plan plan() {
      return RetentionPolicy.plan(backups, CLOCK, rules, failingAfter);
    }
  }

  /**
   * Runs {@code property} on {@code tries} cases drawn from one seed (random unless the system
   * property {@value #SEED} fixes it); a failure names the seed that replays it and the case.
   */
  static void forAll(int tries, BiConsumer<Case, Random> property) {
    String fixed = System.getProperty(SEED);
    long seed = fixed == null || fixed.isBlank() ? new Random().nextLong() : Long.parseLong(fixed);
    Random random = new Random(seed);
    for (int i = 0; i < tries; i++) {
      Case c = randomCase(random, i);
      try {
        property.accept(c, random);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "case "
                + (i + 1)
                + " of "
                + tries
                + " failed with seed "
                + seed
                + " (replay it: -D"
                + SEED
                + "="
                + seed
                + "): "
                + e.getMessage()
                + "\n"
                + c,
            e);
      }
    }
  }

  /**
   * A history of up to 80 backups over 400 days (some within minutes of the one before) and rules
   * of 0 to 12 per count. The first cases are the edges: no backup, then a single one; counts are
   * often 0 or 12.
   */
  static Case randomCase(Random r, int index) {
    int size = index == 0 ? 0 : index == 1 ? 1 : r.nextInt(4) == 0 ? r.nextInt(4) : r.nextInt(81);
    List<Backup> backups = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    long previous = r.nextLong(400L * 86_400 + 1);
    for (int n = 0; n < size; n++) {
      long ago =
          r.nextInt(4) == 0
              ? Math.max(0, previous + r.nextInt(601) - 300)
              : r.nextLong(400L * 86_400 + 1);
      previous = ago;
      Instant t = NOW.minusSeconds(ago);
      String id = RetentionPolicyTests.id(t);
      if (ids.add(id)) {
        backups.add(
            new Backup(
                id,
                t,
                LABELS.get(r.nextInt(LABELS.size())),
                r.nextInt(10) == 0,
                r.nextInt(5) == 0 ? NOW : null));
      }
    }
    long within = r.nextLong(62) - 1;
    RetentionRules rules =
        new RetentionRules(
            count(r),
            count(r),
            count(r),
            count(r),
            count(r),
            count(r),
            within < 0 ? null : Duration.ofDays(within),
            List.of("release"),
            Duration.ofHours(r.nextInt(97)),
            ZoneId.of("Europe/Berlin"));
    return new Case(backups, rules, Duration.ofHours(1 + r.nextLong(30L * 24)));
  }

  private static int count(Random r) {
    return r.nextInt(4) == 0 ? (r.nextBoolean() ? 0 : 12) : r.nextInt(13);
  }

  @Test
  void everyFloorHolds() {
    forAll(500, (c, random) -> everyFloorHolds(c));
  }

  static void everyFloorHolds(Case c) {
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
      if (byId.get(b.id()).kept()) {
        continue;
      }
      // plain checks: this loop runs some 20,000 times per property
      if (age.compareTo(c.rules().minAge()) < 0) {
        fail("deleted although younger than min-age: " + b);
      }
      if (b.pinned()) {
        fail("deleted although pinned: " + b);
      }
      if (RetentionPolicy.isSafety(b.label()) && age.compareTo(Duration.ofDays(14)) < 0) {
        fail("deleted a safety backup younger than 14 days: " + b);
      }
      if ("release".equals(b.label())) {
        fail("deleted although keep-labels names its label: " + b);
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

  @Test
  void theResultDoesNotDependOnTheOrderTheStoreListedTheBackups() {
    forAll(
        300,
        (c, random) -> {
          List<Backup> shuffled = new ArrayList<>(c.backups());
          Collections.shuffle(shuffled, random);
          Plan original = c.plan();
          Plan reordered = RetentionPolicy.plan(shuffled, CLOCK, c.rules(), c.failingAfter());
          assertThat(reasons(reordered)).isEqualTo(reasons(original));
          assertThat(reordered.decisions()).isEqualTo(original.decisions());
        });
  }

  @Test
  void runningThePolicyOnItsOwnOutputDeletesNothingMore() {
    forAll(
        300,
        (c, random) -> {
          Plan first = c.plan();
          List<Backup> survivors = first.kept().stream().map(Decision::backup).toList();
          Plan second = RetentionPolicy.plan(survivors, CLOCK, c.rules(), c.failingAfter());
          assertThat(second.deleted()).isEmpty();
          assertThat(second.kept()).hasSize(survivors.size());
        });
  }

  @Test
  void aFailingCaseNamesTheSeedThatReplaysIt() {
    String before = System.getProperty(SEED);
    System.setProperty(SEED, "42");
    try {
      List<Case> seen = new ArrayList<>();
      forAll(5, (c, random) -> seen.add(c));
      AssertionError failure = null;
      try {
        forAll(
            5,
            (c, random) -> {
              if (c.backups().size() > 1) {
                throw new AssertionError("boom");
              }
            });
      } catch (AssertionError e) {
        failure = e;
      }
      assertThat(failure).isNotNull();
      assertThat(failure.getMessage())
          .contains("failed with seed 42 (replay it: -D" + SEED + "=42): boom");
      List<Case> again = new ArrayList<>();
      forAll(5, (c, random) -> again.add(c));
      assertThat(again).as("the same seed draws the same cases").isEqualTo(seen);
    } finally {
      if (before == null) {
        System.clearProperty(SEED);
      } else {
        System.setProperty(SEED, before);
      }
    }
  }

  private static Map<String, Decision> byId(Plan plan) {
    return plan.decisions().stream().collect(Collectors.toMap(d -> d.backup().id(), d -> d));
  }

  private static Map<String, List<String>> reasons(Plan plan) {
    return plan.decisions().stream()
        .collect(Collectors.toMap(d -> d.backup().id(), Decision::words));
  }
}
