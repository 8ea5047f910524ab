package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class WalArchiveChainTests {

  private static final long MB = 1024L * 1024;
  private static final String SYSID = "7716579398738843286";
  private static final Instant T0 = Instant.parse("2026-12-07T15:00:00Z");

  private final Random random = new Random(21);

  @Test
  void anUnbrokenChainIsOneRunAndEveryBaseBackupInItHasAWindowToItsEnd() {
    List<WalArchive.Entry> entries = segments(1, 1, 10);
    WalArchive.BackupRange backup = backup("b1", 1, "0/200028", "0/300100");

    WalArchive.Chain chain = WalArchive.chain(MB, entries, List.of(backup), List.of());

    assertThat(chain.systemIdentifier()).isEqualTo(SYSID);
    assertThat(chain.timeline()).isEqualTo(1);
    assertThat(chain.runs()).hasSize(1);
    WalArchive.Run run = chain.runs().get(0);
    assertThat(run.first().name()).isEqualTo("000000010000000000000001");
    assertThat(run.last().name()).isEqualTo("00000001000000000000000A");
    assertThat(run.segments()).isEqualTo(10);
    assertThat(run.partial()).isNull();
    assertThat(run.end()).isEqualTo(Lsn.parse("0/B00000"));
    assertThat(chain.segments()).isEqualTo(10);
    assertThat(chain.gaps()).isEmpty();
    assertThat(chain.windows())
        .containsExactly(
            new WalArchive.Window(
                "b1", completed("b1"), at(1, 10), 1, Lsn.parse("0/300100"), Lsn.parse("0/B00000")));
  }

  @Test
  void aMissingSegmentSplitsTheChainAndNoWindowCrossesIt() {
    List<WalArchive.Entry> entries = segments(1, 1, 10);
    entries.removeIf(e -> e.segmentNumber() == 6);
    WalArchive.BackupRange before = backup("before", 1, "0/200028", "0/300100");
    WalArchive.BackupRange across = backup("across", 1, "0/400028", "0/700100");
    WalArchive.BackupRange after = backup("after", 1, "0/700028", "0/800100");

    WalArchive.Chain chain =
        WalArchive.chain(MB, entries, List.of(after, across, before), List.of());

    assertThat(chain.runs())
        .extracting(r -> r.first().number() + "-" + r.last().number())
        .containsExactly("1-5", "7-10");
    assertThat(chain.segments()).isEqualTo(9);
    assertThat(chain.gaps()).hasSize(1);
    WalArchive.Gap gap = chain.gaps().get(0);
    assertThat(gap.from().name()).isEqualTo("000000010000000000000006");
    assertThat(gap.to()).isEqualTo(gap.from());
    assertThat(gap.segments()).isEqualTo(1);
    // "across" needs segment 6: its WAL is incomplete, so it opens no window
    assertThat(chain.windows())
        .extracting(WalArchive.Window::baseBackup, WalArchive.Window::toLsn, WalArchive.Window::to)
        .containsExactly(
            tuple("before", Lsn.parse("0/600000"), at(1, 5)),
            tuple("after", Lsn.parse("0/B00000"), at(1, 10)));
  }

  @Test
  void theLongestPartialAfterARunExtendsItsWindow() {
    List<WalArchive.Entry> entries = segments(1, 1, 5);
    entries.add(partial(1, 6, 0x100, at(1, 6)));
    entries.add(partial(1, 6, 0x5000, at(1, 7)));
    entries.add(partial(1, 6, 0x300, at(1, 8))); // a late short copy never hides the longer one
    entries.add(partial(1, 3, 0x100, at(1, 2))); // superseded by the completed segment 3

    WalArchive.Chain chain =
        WalArchive.chain(MB, entries, List.of(backup("b1", 1, "0/100028", "0/200100")), List.of());

    WalArchive.Run run = chain.newest().orElseThrow();
    assertThat(chain.runs()).hasSize(1);
    assertThat(run.segments()).isEqualTo(5);
    assertThat(run.partial().validBytes()).isEqualTo(0x5000);
    assertThat(run.last().name()).isEqualTo("000000010000000000000006");
    assertThat(run.completedThrough()).isEqualTo(5);
    assertThat(run.end()).isEqualTo(Lsn.parse("0/605000"));
    assertThat(chain.gaps()).isEmpty();
    assertThat(chain.windows().get(0).toLsn()).isEqualTo(Lsn.parse("0/605000"));
    assertThat(chain.windows().get(0).to()).isEqualTo(at(1, 7));
  }

  @Test
  void aTimelineSwitchIsFollowedAtItsSwitchPoint() {
    // promoted at 0/400100: timeline 1's segment 4 stays partial, timeline 2 begins with its copy
    List<WalArchive.Entry> entries = segments(1, 1, 3);
    entries.add(partial(1, 4, 0x100, at(1, 4)));
    entries.add(history(2));
    entries.addAll(segments(2, 4, 7));
    entries.addAll(segments(1, 5, 5)); // the old primary wrote on: off the path
    entries.addAll(segments(1, 8, 8)); // and past what timeline 2 holds: it fills no hole
    WalFiles.History two = WalFiles.History.parse(2, "1\t0/400100\tno recovery target specified\n");
    WalArchive.BackupRange onOne = backup("one", 1, "0/100028", "0/200100");
    WalArchive.BackupRange onTwo = backup("two", 2, "0/500028", "0/600100");

    WalArchive.Chain chain = WalArchive.chain(MB, entries, List.of(onOne, onTwo), List.of(two));

    assertThat(chain.timeline()).isEqualTo(2);
    assertThat(chain.runs()).hasSize(1);
    WalArchive.Run run = chain.runs().get(0);
    assertThat(run.first().name()).isEqualTo("000000010000000000000001");
    assertThat(run.last().name()).isEqualTo("000000020000000000000007");
    assertThat(run.segments()).isEqualTo(7);
    assertThat(run.partial()).isNull();
    assertThat(chain.gaps()).isEmpty();
    assertThat(chain.windows())
        .extracting(WalArchive.Window::baseBackup, WalArchive.Window::timeline)
        .containsExactly(tuple("one", 2L), tuple("two", 2L));
    assertThat(chain.windows().get(0).toLsn()).isEqualTo(Lsn.parse("0/800000"));
    assertThat(chain.timelinesWithoutHistory()).isEmpty();
  }

  @Test
  void withoutTheNewTimelinesHistoryItsWalIsNamedAndNotFollowed() {
    List<WalArchive.Entry> entries = segments(1, 1, 3);
    entries.addAll(segments(2, 4, 7));

    WalArchive.Chain chain = WalArchive.chain(MB, entries, List.of(), List.of());

    assertThat(chain.timeline()).isEqualTo(1);
    assertThat(chain.segments()).isEqualTo(3);
    assertThat(chain.timelinesWithoutHistory()).containsExactly(2L);
  }

  @Test
  void twoCopiesOfOneSegmentCountOnceAndTheEarlierTimeIsTheirs() {
    List<WalArchive.Entry> entries = segments(1, 1, 5);
    // a second receiver (the partitioned old leader) wrote segments 3 and 5 again, encrypted anew
    entries.add(segment(1, 3, at(1, 3).plusSeconds(1)));
    entries.add(segment(1, 5, at(1, 5).plusSeconds(30)));
    entries.add(segment(1, 5, at(1, 5).minusMillis(1)));

    WalArchive.Chain chain =
        WalArchive.chain(MB, entries, List.of(backup("b1", 1, "0/100028", "0/200100")), List.of());

    assertThat(chain.segments()).isEqualTo(5);
    assertThat(chain.runs()).hasSize(1);
    assertThat(chain.gaps()).isEmpty();
    assertThat(chain.windows().get(0).to()).isEqualTo(at(1, 5).minusMillis(1));
  }

  @Test
  void aBaseBackupWhoseWalIsNotAllStoredYetHasNoWindowAndMakesNoGap() {
    List<WalArchive.Entry> entries = segments(1, 1, 4);
    entries.add(partial(1, 5, 0x8000, at(1, 5)));
    // stops in segment 5, which is only a partial so far: waiting for its WAL
    WalArchive.BackupRange waiting = backup("waiting", 1, "0/400028", "0/500100");

    WalArchive.Chain chain = WalArchive.chain(MB, entries, List.of(waiting), List.of());

    assertThat(chain.windows()).isEmpty();
    assertThat(chain.gaps()).isEmpty();

    entries.add(segment(1, 5, at(1, 6)));
    assertThat(WalArchive.chain(MB, entries, List.of(waiting), List.of()).windows())
        .extracting(WalArchive.Window::baseBackup)
        .containsExactly("waiting");
  }

  @Test
  void aStopAtASegmentBoundaryNeedsNoByteOfTheNextSegment() {
    List<WalArchive.Entry> entries = segments(1, 1, 2);
    WalArchive.BackupRange backup = backup("edge", 1, "0/100028", "0/300000");

    assertThat(WalArchive.chain(MB, entries, List.of(backup), List.of()).windows()).hasSize(1);
  }

  @Test
  void gapsCountFromTheOldestBaseBackupsStartOn() {
    List<WalArchive.Entry> entries = segments(1, 1, 2);
    entries.addAll(segments(1, 4, 8)); // segment 3 is gone, but before every base backup
    entries.addAll(segments(1, 11, 12));
    WalArchive.BackupRange backup = backup("b1", 1, "0/500028", "0/600100");

    WalArchive.Chain chain = WalArchive.chain(MB, entries, List.of(backup), List.of());

    assertThat(chain.gaps())
        .extracting(g -> g.from().number() + "-" + g.to().number())
        .containsExactly("9-10");

    // a base backup whose start is not stored at all: the missing start is a gap
    WalArchive.BackupRange early = backup("early", 1, "0/0000028", "0/100100");
    assertThat(WalArchive.chain(MB, segments(1, 3, 5), List.of(early), List.of()).gaps())
        .extracting(g -> g.from().number() + "-" + g.to().number())
        .containsExactly("0-2");
    assertThat(WalArchive.chain(MB, List.of(), List.of(early), List.of()).gaps())
        .extracting(g -> g.from().number() + "-" + g.to().number())
        .containsExactly("0-1");
  }

  @Test
  void aLonePartialIsARunOfItsOwn() {
    WalArchive.Chain chain =
        WalArchive.chain(MB, List.of(partial(1, 9, 0x2000, at(1, 9))), List.of(), List.of());

    assertThat(chain.runs()).hasSize(1);
    assertThat(chain.runs().get(0).segments()).isZero();
    assertThat(chain.runs().get(0).first().number()).isEqualTo(9);
    assertThat(chain.runs().get(0).end()).isEqualTo(Lsn.parse("0/902000"));
    assertThat(chain.segments()).isZero();
  }

  @Test
  void theWalOfTwoSystemsIsNeverOneChain() {
    List<WalArchive.Entry> entries = segments(1, 1, 2);
    entries.add(
        WalArchive.entry(
                "app",
                MB,
                new StoredObject(
                    WalArchive.segmentKey("app", "7716579398738843287", seg(1, 3), sha(), false),
                    10,
                    T0))
            .orElseThrow());
    assertThatThrownBy(() -> WalArchive.chain(MB, entries, List.of(), List.of()))
        .hasMessageContaining("one system");
    assertThatThrownBy(() -> WalArchive.chain(16 * MB, segments(1, 1, 2), List.of(), List.of()))
        .hasMessageContaining("not 16777216");
  }

  /**
   * Seeded random chains on two timelines with holes, partials and copies: every window starts
   * where its backup's WAL is all there and reaches exactly the last segment before the next hole,
   * and runs plus gaps cover every segment from the oldest backup's start to the newest segment.
   */
  @Test
  void randomChainsHaveWindowsThatNeverCrossAHole() {
    for (int round = 0; round < 300; round++) {
      long last = 20 + random.nextInt(200);
      long switchAt = 1 + random.nextLong(last);
      Lsn switchPoint = Lsn.ofSegment(switchAt, MB).plus(random.nextInt((int) MB));
      WalFiles.History two = WalFiles.History.parse(2, "1\t" + switchPoint + "\tpromoted\n");
      TreeSet<Long> present = new TreeSet<>();
      List<WalArchive.Entry> entries = new ArrayList<>();
      entries.add(history(2));
      for (long n = 0; n <= last; n++) {
        if (random.nextInt(25) == 0) {
          if (n >= switchAt && random.nextBoolean()) {
            entries.add(segment(1, n, at(1, n))); // the old primary's: off the path, no fill
          }
          if (random.nextBoolean()) {
            entries.add(partial(n < switchAt ? 1 : 2, n, 1 + random.nextInt(1000), at(1, n)));
          }
          continue;
        }
        present.add(n);
        int copies = random.nextInt(10) == 0 ? 2 : 1;
        for (int c = 0; c < copies; c++) {
          entries.add(segment(n < switchAt ? 1 : 2, n, at(1, n).plusMillis(c)));
        }
        if (n >= switchAt && random.nextInt(5) == 0) {
          entries.add(segment(1, n, at(1, n))); // off the path
        }
      }
      List<WalArchive.BackupRange> backups = new ArrayList<>();
      for (int b = 0; b < 4; b++) {
        long s = random.nextLong(last);
        Lsn start = Lsn.ofSegment(s, MB).plus(0x28);
        Lsn stop = start.plus(1 + random.nextLong(3 * MB));
        backups.add(
            new WalArchive.BackupRange(
                "b" + b, two.timelineAt(start), start, stop, T0.plusSeconds(b)));
      }

      WalArchive.Chain chain = WalArchive.chain(MB, entries, backups, List.of(two));

      assertThat(chain.segments()).isEqualTo(present.size());
      for (WalArchive.BackupRange b : backups) {
        long from = b.start().segmentNumber(MB);
        long to = b.stop().precedingSegmentNumber(MB);
        boolean complete = true;
        for (long n = from; n <= to; n++) {
          complete &= present.contains(n);
        }
        List<WalArchive.Window> windows =
            chain.windows().stream().filter(w -> w.baseBackup().equals(b.id())).toList();
        assertThat(windows).as("round %d backup %s", round, b).hasSize(complete ? 1 : 0);
        if (complete) {
          long end = to;
          while (present.contains(end + 1)) {
            end++;
          }
          Lsn toLsn = windows.get(0).toLsn();
          // the next segment's start, or inside it when a partial of it is stored
          assertThat(toLsn.segmentNumber(MB)).as("round %d backup %s", round, b).isEqualTo(end + 1);
        }
      }
      long origin =
          backups.stream().mapToLong(b -> b.start().segmentNumber(MB)).min().orElseThrow();
      long missing = chain.gaps().stream().mapToLong(WalArchive.Gap::segments).sum();
      if (origin <= present.last()) {
        long stored = present.subSet(origin, true, present.last(), true).size();
        assertThat(stored + missing).as("round %d", round).isEqualTo(present.last() - origin + 1);
      } else {
        assertThat(missing).as("round %d", round).isZero();
      }
      for (WalArchive.Gap g : chain.gaps()) {
        for (long n = g.from().number(); n <= g.to().number(); n++) {
          assertThat(present).as("round %d gap %s", round, g).doesNotContain(n);
        }
        assertThat(g.from().timeline()).isEqualTo(g.from().number() < switchAt ? 1 : 2);
      }
    }
  }

  private static WalFiles.Segment seg(long timeline, long number) {
    return new WalFiles.Segment(timeline, number, MB);
  }

  private static Instant at(long timeline, long number) {
    return T0.plusSeconds(10 * number + timeline);
  }

  private static Instant completed(String id) {
    return T0.plusSeconds(id.length());
  }

  private static WalArchive.BackupRange backup(String id, long tl, String start, String stop) {
    return new WalArchive.BackupRange(id, tl, Lsn.parse(start), Lsn.parse(stop), completed(id));
  }

  private List<WalArchive.Entry> segments(long timeline, long from, long to) {
    List<WalArchive.Entry> entries = new ArrayList<>();
    for (long n = from; n <= to; n++) {
      entries.add(segment(timeline, n, at(timeline, n)));
    }
    return entries;
  }

  private WalArchive.Entry segment(long timeline, long number, Instant when) {
    String key = WalArchive.segmentKey("app", SYSID, seg(timeline, number), sha(), true);
    return WalArchive.entry("app", MB, new StoredObject(key, 4096, when)).orElseThrow();
  }

  private WalArchive.Entry partial(long timeline, long number, long valid, Instant when) {
    String key = WalArchive.partialKey("app", SYSID, seg(timeline, number), valid, sha(), true);
    return WalArchive.entry("app", MB, new StoredObject(key, 512, when)).orElseThrow();
  }

  private WalArchive.Entry history(long timeline) {
    String key = WalArchive.historyKey("app", SYSID, timeline, sha(), true);
    return WalArchive.entry("app", MB, new StoredObject(key, 100, T0)).orElseThrow();
  }

  private String sha() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
