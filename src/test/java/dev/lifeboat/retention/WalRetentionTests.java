package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The WAL retention plan: examples, then seeded random chains (no jqwik, see FIELD-NOTES) that
 * check it never takes a segment a kept base backup's window needs.
 */
class WalRetentionTests {

  static final String SYSTEM = "7716579398738843286";
  static final String OLD_SYSTEM = "6000000000000000001";
  static final long SEGMENT = 1024 * 1024;
  static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");
  static final Duration MIN_AGE = Duration.ofHours(24);
  static final Instant OLD = NOW.minus(Duration.ofDays(10));

  private int copies;

  private WalArchive.Entry segment(String system, long timeline, long n, Instant modified) {
    String sha = String.format(Locale.ROOT, "%064x", ++copies);
    WalFiles.Segment s = new WalFiles.Segment(timeline, n, SEGMENT);
    return new WalArchive.Entry(
        WalArchive.Kind.SEGMENT,
        system,
        timeline,
        n,
        SEGMENT,
        SEGMENT,
        sha,
        false,
        WalArchive.segmentKey("app", system, s, sha, false),
        100,
        modified);
  }

  private WalArchive.Entry segment(long n, Instant modified) {
    return segment(SYSTEM, 1, n, modified);
  }

  private WalArchive.Entry partial(long n, long valid, Instant modified) {
    String sha = String.format(Locale.ROOT, "%064x", ++copies);
    WalFiles.Segment s = new WalFiles.Segment(1, n, SEGMENT);
    return new WalArchive.Entry(
        WalArchive.Kind.PARTIAL,
        SYSTEM,
        1,
        n,
        SEGMENT,
        valid,
        sha,
        false,
        WalArchive.partialKey("app", SYSTEM, s, valid, sha, false),
        50,
        modified);
  }

  private WalArchive.Entry history(long timeline, Instant modified) {
    String sha = String.format(Locale.ROOT, "%064x", ++copies);
    return new WalArchive.Entry(
        WalArchive.Kind.HISTORY,
        SYSTEM,
        timeline,
        0,
        SEGMENT,
        0,
        sha,
        false,
        WalArchive.historyKey("app", SYSTEM, timeline, sha, false),
        40,
        modified);
  }

  private static WalArchive.BackupRange backup(String id, long startSegment, long stopSegment) {
    return new WalArchive.BackupRange(
        id,
        1,
        Lsn.ofSegment(startSegment, SEGMENT).plus(40),
        Lsn.ofSegment(stopSegment, SEGMENT).plus(9000),
        OLD.plusSeconds(startSegment));
  }

  private static WalRetention.Plan plan(
      List<WalArchive.Entry> entries, List<WalArchive.BackupRange> kept) {
    return WalRetention.plan(entries, kept, SYSTEM, List.of(), NOW, MIN_AGE);
  }

  @Test
  void withNoBaseBackupEveryWalObjectIsKeptEvenSupersededOnes() {
    List<WalArchive.Entry> entries = new ArrayList<>();
    for (long n = 1; n <= 5; n++) {
      entries.add(segment(n, OLD));
    }
    entries.add(segment(3, OLD)); // a second copy
    entries.add(partial(3, 8192, OLD)); // superseded by segment 3

    WalRetention.Plan plan = plan(entries, List.of());

    assertThat(plan.delete()).isEmpty();
    assertThat(plan.keepFrom()).isNull();
    assertThat(plan.reasons()).containsExactly("no base backup is kept: every WAL object is kept");
  }

  @Test
  void walBeforeTheOldestKeptBaseBackupsStartGoesAndFromItOnItStays() {
    List<WalArchive.Entry> entries = new ArrayList<>();
    for (long n = 1; n <= 9; n++) {
      entries.add(segment(n, OLD));
    }
    entries.add(history(2, OLD));

    WalRetention.Plan plan = plan(entries, List.of(backup("b2", 6, 7), backup("b1", 4, 4)));

    assertThat(plan.delete())
        .containsExactlyInAnyOrder(
            entries.get(0).key(), entries.get(1).key(), entries.get(2).key());
    assertThat(plan.keepFrom()).isEqualTo(Lsn.ofSegment(4, SEGMENT).plus(40));
    assertThat(plan.reasons())
        .containsExactly("3 WAL object(s): before the oldest kept base backup's start 0/400028");
  }

  @Test
  void supersededPartialsAndSecondCopiesGoButTheCopyTheChainReadsStays() {
    WalArchive.Entry first = segment(5, OLD);
    WalArchive.Entry second = segment(5, OLD.plusSeconds(60));
    WalArchive.Entry replaced = partial(5, 8192, OLD);
    WalArchive.Entry shorter = partial(7, 8192, OLD);
    WalArchive.Entry longest = partial(7, 16384, OLD);
    List<WalArchive.Entry> entries =
        List.of(segment(4, OLD), second, first, replaced, segment(6, OLD), shorter, longest);

    WalRetention.Plan plan = plan(entries, List.of(backup("b1", 4, 5)));

    assertThat(plan.delete())
        .containsExactlyInAnyOrder(second.key(), replaced.key(), shorter.key());
  }

  @Test
  void nothingYoungerThanMinAgeNorOfAnotherSystemNorAHistoryFileGoes() {
    WalArchive.Entry young = segment(1, NOW.minus(Duration.ofHours(1)));
    WalArchive.Entry other = segment(OLD_SYSTEM, 1, 1, OLD);
    WalArchive.Entry history = history(2, OLD);
    List<WalArchive.Entry> entries = List.of(young, other, history, segment(5, OLD));

    WalRetention.Plan plan = plan(entries, List.of(backup("b1", 5, 5)));

    assertThat(plan.delete()).isEmpty();
  }

  /**
   * Random chains: holes, second copies, partials, some young objects, random base backups of which
   * a random few are kept. Whatever the plan deletes, every kept base backup's window is the one it
   * had, every segment from its start to its stop that was stored is still stored, and no history
   * file nor young object goes.
   */
  @Test
  void randomChainsNeverLoseWhatAKeptBaseBackupNeeds() {
    Random random = new Random(21);
    int deletedSomething = 0;
    for (int round = 0; round < 400; round++) {
      List<WalArchive.Entry> entries = new ArrayList<>();
      int length = 3 + random.nextInt(40);
      for (long n = 1; n <= length; n++) {
        if (random.nextInt(10) == 0) {
          continue; // a hole
        }
        Instant modified =
            random.nextInt(8) == 0
                ? NOW.minus(Duration.ofMinutes(random.nextInt(600)))
                : OLD.plusSeconds(n * 10 + random.nextInt(5));
        int copiesOfIt = random.nextInt(6) == 0 ? 2 : 1;
        for (int c = 0; c < copiesOfIt; c++) {
          entries.add(segment(n, modified.plusSeconds(c * random.nextInt(3))));
        }
        if (random.nextInt(5) == 0) {
          entries.add(partial(n, 8192 * (1 + random.nextInt(4)), modified));
        }
      }
      entries.add(partial(length + 1, 8192, OLD.plusSeconds(length * 10L)));
      if (random.nextBoolean()) {
        entries.add(history(2, OLD));
      }
      List<WalArchive.BackupRange> all = new ArrayList<>();
      for (int b = 0; b < random.nextInt(5); b++) {
        long start = 1 + random.nextInt(length);
        long stop = Math.min(length, start + random.nextInt(4));
        all.add(backup("b" + b, start, stop));
      }
      List<WalArchive.BackupRange> kept = all.stream().filter(b -> random.nextInt(3) > 0).toList();

      WalRetention.Plan plan = plan(entries, kept);

      Set<String> gone = new HashSet<>(plan.delete());
      List<WalArchive.Entry> after = entries.stream().filter(e -> !gone.contains(e.key())).toList();
      String seed = "round " + round + ", kept " + kept;
      assertThat(WalArchive.chain(SEGMENT, after, kept, List.of()).windows())
          .as(seed)
          .isEqualTo(WalArchive.chain(SEGMENT, entries, kept, List.of()).windows());
      for (WalArchive.BackupRange b : kept) {
        for (long n = b.start().segmentNumber(SEGMENT);
            n <= b.stop().precedingSegmentNumber(SEGMENT);
            n++) {
          long number = n;
          boolean stored =
              entries.stream()
                  .anyMatch(
                      e -> e.kind() == WalArchive.Kind.SEGMENT && e.segmentNumber() == number);
          boolean still =
              after.stream()
                  .anyMatch(
                      e -> e.kind() == WalArchive.Kind.SEGMENT && e.segmentNumber() == number);
          assertThat(still).as(seed + ", segment " + n).isEqualTo(stored);
        }
      }
      for (WalArchive.Entry e : entries) {
        if (e.kind() == WalArchive.Kind.HISTORY || e.lastModified().isAfter(NOW.minus(MIN_AGE))) {
          assertThat(gone).as(seed).doesNotContain(e.key());
        }
      }
      if (kept.isEmpty()) {
        assertThat(plan.delete()).as(seed).isEmpty();
      }
      deletedSomething += plan.delete().isEmpty() ? 0 : 1;
    }
    assertThat(deletedSomething).as("rounds whose plan deleted something").isGreaterThan(100);
  }
}
