package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WalFilesTests {

  private static final long MB = 1024L * 1024;

  /** Every size initdb --wal-segsize accepts: 1, 2, 4 … 1024 MB. */
  private static final List<Long> SIZES = sizes();

  @Test
  void namesAreTimelineLogAndSegmentInUpperCaseHex() {
    // pg_walfile_name('0/5000028') on a 16 MB cluster
    assertThat(WalFiles.segmentOf(1, Lsn.parse("0/5000028"), 16 * MB).name())
        .isEqualTo("000000010000000000000005");
    // the plan's example, and the same LSN with 1 MB and 1 GB segments
    assertThat(WalFiles.segmentOf(1, Lsn.parse("0/2A000000"), 16 * MB).name())
        .isEqualTo("00000001000000000000002A");
    assertThat(WalFiles.segmentOf(1, Lsn.parse("0/2A000000"), MB).name())
        .isEqualTo("0000000100000000000002A0");
    assertThat(WalFiles.segmentOf(0xA, Lsn.parse("1/40000000"), 1024 * MB).name())
        .isEqualTo("0000000A0000000100000001");
    assertThat(WalFiles.segmentOf(2, Lsn.parse("16/B374D848"), 16 * MB).partialName())
        .isEqualTo("0000000200000016000000B3.partial");
  }

  /**
   * Seen on a throwaway PostgreSQL 15 cluster ({@code initdb --wal-segsize=1}): {@code
   * pg_walfile_name} names the segment of the byte before the LSN (XLByteToPrevSeg), so a boundary
   * names the segment it ends.
   */
  @Test
  void namesAreThoseOfARealCluster() {
    Map<String, String> walfileName =
        Map.of(
            "0/6007E0", "000000010000000000000006",
            "0/1000000", "00000001000000000000000F",
            "0/FFFFF", "000000010000000000000000",
            "0/100000", "000000010000000000000000",
            "0/100001", "000000010000000000000001",
            "1/0", "000000010000000000000FFF",
            "0/FFFFFFFF", "000000010000000000000FFF");
    walfileName.forEach(
        (lsn, name) ->
            assertThat(
                    new WalFiles.Segment(1, Lsn.parse(lsn).precedingSegmentNumber(MB), MB).name())
                .as(lsn)
                .isEqualTo(name));
    assertThat(WalFiles.segmentSize("1MB")).isEqualTo(MB); // its SHOW wal_segment_size
    // promoted at 0/B83520: pg_wal then held 00000002.history and segment B on both timelines
    WalFiles.History two =
        WalFiles.History.parse("00000002.history", "1\t0/B834F0\tno recovery target specified\n");
    assertThat(two.switches())
        .containsExactly(
            new WalFiles.History.Switch(1, Lsn.parse("0/B834F0"), "no recovery target specified"));
    assertThat(new WalFiles.Segment(two.timelineOfSegment(0xB, MB), 0xB, MB).name())
        .isEqualTo("00000002000000000000000B");
    assertThat(new WalFiles.Segment(two.timelineOfSegment(0xA, MB), 0xA, MB).name())
        .isEqualTo("00000001000000000000000A");
    assertThat(WalFiles.segmentOf(2, Lsn.parse("0/B83520"), MB).name())
        .isEqualTo("00000002000000000000000B");
  }

  @Test
  void everyNameReadsBackAsTheSameSegmentForEverySegmentSize() {
    Random random = new Random(21);
    for (long size : SIZES) {
      long last = Long.divideUnsigned(-1L, size);
      for (int i = 0; i < 2_000; i++) {
        long number =
            i < 5 ? new long[] {0, 1, last - 1, last, size / 2}[i] : random.nextLong(last);
        long timeline = i % 7 == 0 ? 0xFFFF_FFFFL : 1 + random.nextInt(300);
        WalFiles.Segment segment = new WalFiles.Segment(timeline, number, size);
        String name = segment.name();
        assertThat(name).hasSize(24).matches("[0-9A-F]{24}");
        assertThat(name.substring(0, 8)).isEqualTo(String.format("%08X", timeline));
        assertThat(WalFiles.parseSegment(name, size)).contains(segment);
        assertThat(WalFiles.parsePartial(segment.partialName(), size)).contains(segment);
        assertThat(segment.start().segmentNumber(size)).isEqualTo(number);
        assertThat(segment.contains(segment.start())).isTrue();
      }
    }
  }

  @Test
  void namesSortAsTheSegmentsOfOneTimelineFollowEachOther() {
    Random random = new Random(5);
    for (long size : List.of(MB, 16 * MB)) {
      List<WalFiles.Segment> segments = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        segments.add(new WalFiles.Segment(3, random.nextLong(1L << 40), size));
      }
      List<WalFiles.Segment> byName =
          segments.stream().sorted(Comparator.comparing(WalFiles.Segment::name)).toList();
      assertThat(byName).isEqualTo(segments.stream().sorted().toList());
    }
  }

  @Test
  void theLogChangesAfterFourGibibytesWhateverTheSegmentSize() {
    assertThat(new WalFiles.Segment(1, 255, 16 * MB).name()).isEqualTo("0000000100000000000000FF");
    assertThat(new WalFiles.Segment(1, 255, 16 * MB).next().name())
        .isEqualTo("000000010000000100000000");
    assertThat(new WalFiles.Segment(1, 4095, MB).name()).isEqualTo("000000010000000000000FFF");
    assertThat(new WalFiles.Segment(1, 4096, MB).name()).isEqualTo("000000010000000100000000");
    assertThat(new WalFiles.Segment(1, 4096, MB).log()).isEqualTo(1);
    assertThat(new WalFiles.Segment(1, 4096, MB).previous().log()).isEqualTo(0);
    for (long size : SIZES) {
      WalFiles.Segment first = WalFiles.segmentOf(1, Lsn.parse("1/0"), size);
      assertThat(first.name()).isEqualTo("000000010000000100000000");
      assertThat(first.previous().end()).isEqualTo(first.start());
      assertThat(first.previous().name().substring(8, 16)).isEqualTo("00000000");
    }
  }

  @Test
  void segmentBoundariesFor1And16MegabyteSegments() {
    for (long size : List.of(MB, 16 * MB)) {
      WalFiles.Segment s = new WalFiles.Segment(1, 42, size);
      assertThat(s.start()).isEqualTo(new Lsn(42 * size));
      assertThat(s.end()).isEqualTo(new Lsn(43 * size));
      assertThat(s.contains(new Lsn(43 * size - 1))).isTrue();
      assertThat(s.contains(s.end())).isFalse();
      assertThat(WalFiles.segmentOf(1, s.end(), size)).isEqualTo(s.next());
    }
    assertThat(new WalFiles.Segment(1, 1, MB).end()).hasToString("0/200000");
    assertThat(new WalFiles.Segment(1, 1, 16 * MB).end()).hasToString("0/2000000");
  }

  @Test
  void aNameIsRefusedWhenItIsNotOneThisSegmentSizeProduces() {
    // segment part 0x100 exists with 1 MB segments (4096 per log) but not with 16 MB (256)
    assertThat(WalFiles.parseSegment("000000010000000000000100", MB)).isPresent();
    assertThat(WalFiles.parseSegment("000000010000000000000100", 16 * MB)).isEmpty();
    assertThat(WalFiles.parseSegment("000000010000000000000004", 1024 * MB)).isEmpty();
    for (String bad :
        List.of(
            "00000001000000000000000a", // lower case: PostgreSQL never writes it
            "00000001000000000000000",
            "0000000100000000000000001",
            "000000000000000000000001", // timeline 0 does not exist
            "00000001000000000000000G",
            "000000010000000000000001.partial",
            "00000001.history")) {
      assertThat(WalFiles.parseSegment(bad, 16 * MB)).as(bad).isEmpty();
    }
    assertThat(WalFiles.parsePartial("000000010000000000000001", 16 * MB)).isEmpty();
    assertThat(WalFiles.parsePartial("000000010000000000000001.partial.tmp", 16 * MB)).isEmpty();
  }

  @Test
  void onlyPowersOfTwoFromOneMegabyteToOneGigabyteAreSegmentSizes() {
    assertThat(SIZES).hasSize(11).allMatch(WalFiles::isValidSegmentSize);
    for (long bad : List.of(0L, MB / 2, 3 * MB, 2048 * MB, -16 * MB)) {
      assertThat(WalFiles.isValidSegmentSize(bad)).as("" + bad).isFalse();
      assertThatThrownBy(() -> new WalFiles.Segment(1, 0, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("power of two from 1MB to 1GB");
    }
    assertThat(WalFiles.segmentSize("16MB")).isEqualTo(16 * MB);
    assertThat(WalFiles.segmentSize("1MB")).isEqualTo(MB);
    assertThat(WalFiles.segmentSize("1GB")).isEqualTo(1024 * MB);
    assertThat(WalFiles.segmentSize("1024kB")).isEqualTo(MB);
    assertThat(WalFiles.segmentSize("16777216")).isEqualTo(16 * MB);
    assertThatThrownBy(() -> WalFiles.segmentSize("16 megabytes"))
        .hasMessageContaining("is not a WAL segment size");
    assertThatThrownBy(() -> WalFiles.segmentSize("3MB"))
        .hasMessageContaining("not one PostgreSQL allows");
  }

  @Test
  void segmentsOrderByNumberThenTimeline() {
    WalFiles.Segment a = new WalFiles.Segment(2, 5, MB);
    WalFiles.Segment b = new WalFiles.Segment(1, 6, MB);
    WalFiles.Segment c = new WalFiles.Segment(3, 5, MB);
    assertThat(List.of(b, c, a).stream().sorted().toList()).containsExactly(a, c, b);
    assertThat(a.onTimeline(3)).isEqualTo(c);
  }

  @Test
  void historyFileNamesCarryTheTimelineInEightHexDigits() {
    assertThat(WalFiles.historyFileName(2)).isEqualTo("00000002.history");
    assertThat(WalFiles.historyFileName(0x1A)).isEqualTo("0000001A.history");
    for (long tl = 1; tl < 5000; tl += 13) {
      assertThat(WalFiles.parseHistoryFileName(WalFiles.historyFileName(tl))).hasValue(tl);
    }
    for (String bad :
        List.of(
            "0000001a.history",
            "00000000.history",
            "2.history",
            "00000002.history.partial",
            "000000020000000000000001",
            "00000002.History")) {
      assertThat(WalFiles.parseHistoryFileName(bad)).as(bad).isEmpty();
    }
    assertThatThrownBy(() -> WalFiles.historyFileName(0))
        .hasMessageContaining("timeline 0 is out of range");
  }

  /** As PostgreSQL 15 writes 00000003.history after two promotions, with comments added. */
  private static final String HISTORY_3 =
      """
      # written by hand around the server's lines: comments and blank lines are skipped
      1\t0/3000158\tno recovery target specified

        # an indented comment
      2\t0/5A0000A0\tbefore 2026-12-07 15:10:04.123456+00
      """;

  @Test
  void aHistoryFileListsTheParentsWithTheirSwitchPointsAndReasons() {
    WalFiles.History history = WalFiles.History.parse("00000003.history", HISTORY_3);
    assertThat(history.timeline()).isEqualTo(3);
    assertThat(history.switches())
        .containsExactly(
            new WalFiles.History.Switch(1, Lsn.parse("0/3000158"), "no recovery target specified"),
            new WalFiles.History.Switch(
                2, Lsn.parse("0/5A0000A0"), "before 2026-12-07 15:10:04.123456+00"));
    assertThat(history.timelines()).containsExactly(1L, 2L, 3L);
    assertThat(history.begin(1)).contains(Lsn.INVALID);
    assertThat(history.begin(2)).contains(Lsn.parse("0/3000158"));
    assertThat(history.begin(3)).contains(Lsn.parse("0/5A0000A0"));
    assertThat(history.begin(4)).isEmpty();
    assertThat(history.end(2)).contains(Lsn.parse("0/5A0000A0"));
    assertThat(history.end(3)).isEmpty();
    assertThat(history.fileName()).isEqualTo("00000003.history");
    assertThat(WalFiles.History.parse(3, history.text())).isEqualTo(history);
    assertThat(history.text())
        .isEqualTo(
            "1\t0/3000158\tno recovery target specified\n"
                + "2\t0/5A0000A0\tbefore 2026-12-07 15:10:04.123456+00\n");
  }

  @Test
  void aSwitchPointBelongsToTheChildAndItsSegmentIsReadFromTheChild() {
    WalFiles.History history = WalFiles.History.parse(3, HISTORY_3);
    assertThat(history.timelineAt(Lsn.parse("0/3000157"))).isEqualTo(1);
    assertThat(history.timelineAt(Lsn.parse("0/3000158"))).isEqualTo(2);
    assertThat(history.timelineAt(Lsn.parse("0/5A0000A0"))).isEqualTo(3);
    assertThat(history.timelineAt(Lsn.parse("FFFFFFFF/0"))).isEqualTo(3);
    // 16 MB: the switch to 2 is in segment 3, the one to 3 in segment 0x5A
    assertThat(history.timelineOfSegment(2, 16 * MB)).isEqualTo(1);
    assertThat(history.timelineOfSegment(3, 16 * MB)).isEqualTo(2);
    assertThat(history.timelineOfSegment(0x59, 16 * MB)).isEqualTo(2);
    assertThat(history.timelineOfSegment(0x5A, 16 * MB)).isEqualTo(3);
    assertThat(WalFiles.History.of(1).timelineOfSegment(7, MB)).isEqualTo(1);
    assertThat(WalFiles.History.of(1).text()).isEmpty();
  }

  @Test
  void twoSwitchesInOneSegmentLeaveItToTheNewestTimeline() {
    WalFiles.History history = WalFiles.History.parse(3, "1\t0/3000158\tx\n2\t0/3000200\ty\n");
    assertThat(history.timelineOfSegment(3, 16 * MB)).isEqualTo(3);
    assertThat(history.timelineOfSegment(2, 16 * MB)).isEqualTo(1);
  }

  @Test
  void aHistoryPostgresqlWouldRefuseIsRefusedWithItsLine() {
    assertThatThrownBy(() -> WalFiles.History.parse(3, "2\t0/3000000\tx\n1\t0/4000000\ty\n"))
        .hasMessageContaining("00000003.history line 2")
        .hasMessageContaining("increasing sequence");
    assertThatThrownBy(() -> WalFiles.History.parse(2, "2\t0/3000000\tx\n"))
        .hasMessageContaining("parent timeline 2 is not below 2");
    assertThatThrownBy(() -> WalFiles.History.parse(2, "1\tno recovery target specified\n"))
        .hasMessageContaining("00000002.history line 1 is not '<parent timeline>");
    assertThatThrownBy(() -> WalFiles.History.parse(3, "1\t0/5000000\tx\n2\t0/4000000\ty\n"))
        .hasMessageContaining("before the previous one");
    assertThatThrownBy(() -> WalFiles.History.parse("2.history", ""))
        .hasMessageContaining("is not a timeline history file name");
  }

  @Test
  void aSwitchPointWithoutReasonIsRead() {
    assertThat(WalFiles.History.parse(2, "1\t0/3000158\n").switches())
        .containsExactly(new WalFiles.History.Switch(1, Lsn.parse("0/3000158"), ""));
  }

  private static List<Long> sizes() {
    List<Long> sizes = new ArrayList<>();
    for (long s = MB; s <= 1024 * MB; s *= 2) {
      sizes.add(s);
    }
    return sizes;
  }
}
