package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WalArchiveKeysTests {

  private static final long MB = 1024L * 1024;
  private static final String SYSID = "7716579398738843286";
  private static final String SHA = "3f9a" + "0".repeat(58) + "c1";
  private static final Instant T = Instant.parse("2026-12-07T15:10:04Z");

  @Test
  void aCompletedSegmentLivesInTheFolderOfItsTimelineAndLog() {
    WalFiles.Segment segment = new WalFiles.Segment(1, 0x2A, 16 * MB);
    assertThat(WalArchive.segmentKey("app", SYSID, segment, SHA, true))
        .isEqualTo(
            "app.wal/7716579398738843286/0000000100000000/00000001000000000000002A-"
                + SHA
                + ".zst.age");
    assertThat(WalArchive.segmentKey("app", SYSID, segment, SHA, false)).endsWith(SHA + ".zst");
    assertThat(WalArchive.folder("app", SYSID, new WalFiles.Segment(3, 0x1FF, 16 * MB)))
        .isEqualTo("app.wal/7716579398738843286/0000000300000001/");
  }

  @Test
  void aPartialKeyCarriesItsValidLength() {
    WalFiles.Segment segment = new WalFiles.Segment(2, 0x2A0, MB);
    String key = WalArchive.partialKey("app", SYSID, segment, 0xA3C00, SHA, false);
    assertThat(key)
        .isEqualTo(
            "app.wal/7716579398738843286/0000000200000000/0000000200000000000002A0.partial-000A3C00-"
                + SHA
                + ".zst");
    WalArchive.Entry entry = WalArchive.entry("app", MB, object(key)).orElseThrow();
    assertThat(entry.kind()).isEqualTo(WalArchive.Kind.PARTIAL);
    assertThat(entry.validBytes()).isEqualTo(0xA3C00);
    assertThat(entry.end()).isEqualTo(Lsn.parse("0/2A0A3C00"));
    assertThatThrownBy(() -> WalArchive.partialKey("app", SYSID, segment, 0, SHA, false))
        .hasMessageContaining("holds 1 to 1048576 bytes, not 0");
    assertThatThrownBy(() -> WalArchive.partialKey("app", SYSID, segment, MB + 1, SHA, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void historyFilesHaveAFolderOfTheirOwn() {
    String key = WalArchive.historyKey("app", SYSID, 2, SHA, true);
    assertThat(key)
        .isEqualTo("app.wal/7716579398738843286/history/00000002.history-" + SHA + ".zst.age");
    WalArchive.Entry entry = WalArchive.entry("app", 16 * MB, object(key)).orElseThrow();
    assertThat(entry.kind()).isEqualTo(WalArchive.Kind.HISTORY);
    assertThat(entry.timeline()).isEqualTo(2);
    assertThat(entry.encrypted()).isTrue();
    assertThat(entry.sha256()).isEqualTo(SHA);
    assertThatThrownBy(entry::segment).hasMessageContaining("is a timeline history file");
  }

  @Test
  void everyKeyReadsBackAsTheObjectItWasMadeFor() {
    Random random = new Random(21);
    for (long size = MB; size <= 1024 * MB; size *= 2) {
      for (int i = 0; i < 500; i++) {
        WalFiles.Segment segment =
            new WalFiles.Segment(
                1 + random.nextInt(20), random.nextLong(Long.divideUnsigned(-1L, size)), size);
        String sysid = Long.toUnsignedString(random.nextLong() | 1L << 62);
        String sha = sha(random);
        boolean encrypted = random.nextBoolean();
        long valid = 1 + random.nextLong(size);
        StoredObject stored =
            new StoredObject(
                WalArchive.segmentKey("t-" + i, sysid, segment, sha, encrypted), 1234, T);
        WalArchive.Entry completed = WalArchive.entry("t-" + i, size, stored).orElseThrow();
        assertThat(completed)
            .isEqualTo(
                new WalArchive.Entry(
                    WalArchive.Kind.SEGMENT,
                    sysid,
                    segment.timeline(),
                    segment.number(),
                    size,
                    size,
                    sha,
                    encrypted,
                    stored.key(),
                    1234,
                    T));
        assertThat(completed.segment()).isEqualTo(segment);
        assertThat(
                WalArchive.entry(
                        "t-" + i,
                        size,
                        object(
                            WalArchive.partialKey("t-" + i, sysid, segment, valid, sha, encrypted)))
                    .orElseThrow())
            .satisfies(
                p -> {
                  assertThat(p.kind()).isEqualTo(WalArchive.Kind.PARTIAL);
                  assertThat(p.segment()).isEqualTo(segment);
                  assertThat(p.validBytes()).isEqualTo(valid);
                  assertThat(p.sha256()).isEqualTo(sha);
                  assertThat(p.encrypted()).isEqualTo(encrypted);
                });
      }
    }
  }

  @Test
  void keysThatAreNotWalObjectsAreLeftOut() {
    String good =
        WalArchive.segmentKey("app", SYSID, new WalFiles.Segment(1, 5, 16 * MB), SHA, false);
    assertThat(WalArchive.entry("app", 16 * MB, object(good))).isPresent();
    for (String foreign :
        List.of(
            "app.wal/cluster.json",
            "app.wal/base/20261207T151000Z/base.tar.zst",
            "app.wal/base/20261207T151000Z/basebackup.json",
            "app/20261207T151000Z/manifest.json",
            "other.wal/" + good.substring("app.wal/".length()),
            "app.wal/" + SYSID + "/0000000100000000/000000010000000000000005",
            "app.wal/" + SYSID + "/0000000100000000/000000010000000000000005-" + SHA,
            "app.wal/" + SYSID + "/0000000100000000/000000010000000000000005-" + SHA + ".gz",
            "app.wal/" + SYSID + "/0000000100000000/000000010000000000000005-" + SHA + ".zst.tmp",
            "app.wal/"
                + SYSID
                + "/0000000100000000/000000010000000000000005-"
                + SHA.toUpperCase()
                + ".zst",
            // a segment in another folder than its own, and a folder name in lower case
            "app.wal/" + SYSID + "/0000000100000001/000000010000000000000005-" + SHA + ".zst",
            "app.wal/" + SYSID + "/000000010000000a/00000001000000000000000A-" + SHA + ".zst",
            // a segment part beyond what 16 MB segments have
            "app.wal/" + SYSID + "/0000000100000000/000000010000000000000100-" + SHA + ".zst",
            // a partial's length: zero, beyond the segment, lower case
            "app.wal/"
                + SYSID
                + "/0000000100000000/000000010000000000000005.partial-00000000-"
                + SHA
                + ".zst",
            "app.wal/"
                + SYSID
                + "/0000000100000000/000000010000000000000005.partial-01000001-"
                + SHA
                + ".zst",
            "app.wal/"
                + SYSID
                + "/0000000100000000/000000010000000000000005.partial-000a0000-"
                + SHA
                + ".zst",
            "app.wal/" + SYSID + "/history/00000000.history-" + SHA + ".zst",
            "app.wal/" + SYSID + "/history/00000002.history",
            "app.wal/" + SYSID + "/history/x/00000002.history-" + SHA + ".zst",
            "app.wal/0" + SYSID + "/history/00000002.history-" + SHA + ".zst",
            "app.wal/18446744073709551616/history/00000002.history-" + SHA + ".zst",
            "app.wal/not-a-system/history/00000002.history-" + SHA + ".zst")) {
      assertThat(WalArchive.entry("app", 16 * MB, object(foreign))).as(foreign).isEmpty();
    }
    assertThat(
            WalArchive.entry(
                "app",
                16 * MB,
                object("app.wal/18446744073709551615/history/00000002.history-" + SHA + ".zst")))
        .isPresent();
  }

  @Test
  void keysAreOnlyMadeFromValidParts() {
    WalFiles.Segment segment = new WalFiles.Segment(1, 5, 16 * MB);
    assertThatThrownBy(() -> WalArchive.segmentKey("app", SYSID, segment, "abc", false))
        .hasMessageContaining("is not a SHA-256 in lower-case hex");
    assertThatThrownBy(() -> WalArchive.segmentKey("app", SYSID, segment, SHA.toUpperCase(), false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WalArchive.segmentKey("app", "x1", segment, SHA, false))
        .hasMessageContaining("is not a PostgreSQL system identifier");
    assertThatThrownBy(() -> WalArchive.segmentKey("a/b", SYSID, segment, SHA, false))
        .hasMessageContaining("is not a target name");
  }

  @Test
  void aListingComesBackInWalOrderHistoryFirst() {
    long size = MB;
    List<StoredObject> objects = new ArrayList<>();
    WalFiles.Segment s5 = new WalFiles.Segment(1, 5, size);
    objects.add(object(WalArchive.partialKey("app", SYSID, s5.next(), 100, SHA, false)));
    objects.add(object(WalArchive.partialKey("app", SYSID, s5.next(), 900, SHA, false)));
    objects.add(object(WalArchive.segmentKey("app", SYSID, s5.next(), SHA, false)));
    objects.add(object(WalArchive.segmentKey("app", SYSID, s5.onTimeline(2), SHA, false)));
    objects.add(object(WalArchive.segmentKey("app", SYSID, s5, SHA, false)));
    objects.add(object(WalArchive.historyKey("app", SYSID, 2, SHA, false)));
    objects.add(object("app.wal/cluster.json"));
    Collections.shuffle(objects, new Random(3));
    List<String> order =
        WalArchive.entries("app", size, objects).stream()
            .map(
                e -> e.kind() + " " + e.timeline() + " " + e.segmentNumber() + " " + e.validBytes())
            .toList();
    assertThat(order)
        .containsExactly(
            "HISTORY 2 0 0",
            "SEGMENT 1 5 1048576",
            "SEGMENT 2 5 1048576",
            "SEGMENT 1 6 1048576",
            "PARTIAL 1 6 900",
            "PARTIAL 1 6 100");
  }

  @Test
  void aRangeIsListedOneFolderPerTimelineAndFourGibibytesFourAtATime() {
    WalFiles.History path =
        WalFiles.History.parse(2, "1\t2/00000028\tno recovery target specified\n");
    // 16 MB: segment 0x1F0 is in log 1 on timeline 1; the switch at 2/0 is segment 0x200
    List<List<String>> groups = WalArchive.folders("app", SYSID, path, 0x1F0, 0x5FF, 16 * MB);
    String root = "app.wal/" + SYSID + "/";
    assertThat(groups)
        .containsExactly(
            List.of(
                root + "0000000100000001/",
                root + "0000000200000002/",
                root + "0000000200000003/",
                root + "0000000200000004/"),
            List.of(root + "0000000200000005/"));
    // 1 MB: 4096 segments per folder, the same LSNs
    assertThat(WalFolders.between(path, 0x1F00, 0x5FFF, MB))
        .containsExactly(
            "0000000100000001",
            "0000000200000002",
            "0000000200000003",
            "0000000200000004",
            "0000000200000005");
    assertThat(WalFolders.between(WalFiles.History.of(1), 7, 7, MB))
        .containsExactly("0000000100000000");
    assertThat(WalFolders.between(WalFiles.History.of(1), 8, 7, MB)).isEmpty();
    assertThat(WalArchive.historyFolder("app", SYSID)).isEqualTo(root + "history/");
  }

  private static StoredObject object(String key) {
    return new StoredObject(key, 1000, T);
  }

  private static String sha(Random random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
