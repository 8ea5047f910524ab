package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest.WalRange;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.crypto.TrustedKeys;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Base backups in two real filesystem stores: complete in a store only with their WAL there. */
class BaseBackupCatalogTests {

  private static final long MB = 1024L * 1024;
  private static final String SYSID = "7716579398738843286";
  private static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");
  private static final String SHA = "ab".repeat(32);

  @TempDir Path dir;
  BackupStore a;
  BackupStore b;
  SigningKey key;

  @BeforeEach
  void twoStores() {
    a = BackupStore.filesystem("local-a", dir.resolve("a"));
    b = BackupStore.filesystem("local-b", dir.resolve("b"));
    key = SigningKey.create("lifeboat.signing.key-file", dir.resolve("keys/signing.pem"));
  }

  @Test
  void completeOnlyWhereEverySegmentFromStartToStopIsAndCatchingUpNeedsNoWrite() {
    // start 0/2000028, stop 0/4000100 on 1 MB segments: segments 2, 3 and 4
    Manifest m =
        manifest("20261207T150000Z", 1, "0/200028", List.of(range(1, "0/200028", "0/400100")));
    for (BackupStore s : List.of(a, b)) {
      data(s, m);
      BaseBackupCatalog.publish(s, m, key);
    }
    segments(a, 1, 2, 4);
    segments(b, 1, 2, 3);
    // a partial of the stop segment is not yet WAL a restore can count on
    b.put(
        WalArchive.partialKey("app", SYSID, new WalFiles.Segment(1, 4, MB), 0x100, SHA, false),
        new byte[] {1});

    BaseBackupCatalog.Listing listing = BaseBackupCatalog.list("app", List.of(a, b), NOW);

    assertThat(listing.unreadableStores()).isEmpty();
    assertThat(listing.invalidManifests()).isEmpty();
    assertThat(listing.entries()).hasSize(1);
    BaseBackupCatalog.Entry entry = listing.entries().get(0);
    assertThat(entry.manifest()).isEqualTo(m);
    assertThat(entry.completeIn()).containsExactly("local-a");
    assertThat(entry.waitingIn()).containsExactly("local-b");
    assertThat(
            BaseBackupCatalog.missingWal("app", m, BaseBackupCatalog.walOf(b, "app", List.of(m))))
        .containsExactly("000000010000000000000004");

    segments(b, 1, 4, 4);
    assertThat(BaseBackupCatalog.list("app", List.of(a, b), NOW).entries().get(0).completeIn())
        .containsExactly("local-a", "local-b");
    assertThat(BaseBackupCatalog.completeIn("app", m, List.of(a, b)))
        .containsExactly("local-a", "local-b");
  }

  @Test
  void theManifestIsSignedAndReadsBackAsWritten() throws Exception {
    Manifest m =
        manifest("20261207T150000Z", 1, "0/200028", List.of(range(1, "0/200028", "0/300100")));
    BaseBackupCatalog.publish(a, m, key);

    byte[] json = ManifestSignatures.read(a, BaseBackupCatalog.manifestKey("app", m.id()));
    byte[] sig = ManifestSignatures.read(a, BaseBackupCatalog.signatureKey("app", m.id()));
    assertThat(BaseBackupCatalog.manifestKey("app", m.id()))
        .isEqualTo("app.wal/base/20261207T150000Z/basebackup.json");
    assertThat(new String(json, StandardCharsets.UTF_8))
        .contains(
            "\"kind\" : \"basebackup\"",
            "\"startLsn\" : \"0/200028\"",
            "\"stopLsn\" : \"0/300100\"");
    assertThat(BaseBackupManifests.read(json, "app", m.id(), NOW)).isEqualTo(m);
    TrustedKeys trusted =
        TrustedKeys.of(
            List.of(new TrustedKeys.Key("this host", key.publicKey(), key.fingerprint())));
    assertThat(
            BaseBackupManifests.signedBy(
                trusted, BaseBackupCatalog.manifestKey("app", m.id()), json, sig))
        .isPresent();
    // the signature covers the key: the same bytes elsewhere are not signed
    assertThat(
            BaseBackupManifests.signedBy(
                trusted, BaseBackupCatalog.manifestKey("app", "20261207T150001Z"), json, sig))
        .isEmpty();
  }

  @Test
  void aBackupAcrossATimelineSwitchNeedsTheNewTimelinesHistoryAndItsCopyOfTheSwitchSegment() {
    // timeline 1 until 0/380000 (in segment 3), timeline 2 after: segment 3 is read from timeline 2
    Manifest m =
        manifest(
            "20261207T150000Z",
            1,
            "0/200028",
            List.of(range(1, "0/200028", "0/380000"), range(2, "0/380000", "0/400100")));
    BaseBackupCatalog.publish(a, m, key);
    segments(a, 1, 2, 3); // the old timeline's copy of 3 is not the one recovery reads
    segments(a, 2, 4, 4);

    assertThat(
            BaseBackupCatalog.missingWal("app", m, BaseBackupCatalog.walOf(a, "app", List.of(m))))
        .containsExactly("00000002.history", "000000020000000000000003");

    a.put(WalArchive.historyKey("app", SYSID, 2, SHA, false), new byte[] {1});
    segments(a, 2, 3, 3);
    assertThat(BaseBackupCatalog.list("app", List.of(a), NOW).entries().get(0).completeIn())
        .containsExactly("local-a");
  }

  @Test
  void aManifestThatCannotBeBelievedIsNamedAndTheOthersAreListed() {
    Manifest good =
        manifest("20261207T150000Z", 1, "0/200028", List.of(range(1, "0/200028", "0/300100")));
    BaseBackupCatalog.publish(a, good, key);
    segments(a, 1, 2, 2);
    // ranges that stop short of the stop LSN: which WAL it needs is unknown
    Manifest short1 =
        manifest(
            "20261207T140000Z",
            1,
            "0/200028",
            List.of(range(1, "0/200028", "0/300000")),
            "0/300100");
    a.put(BaseBackupCatalog.manifestKey("app", short1.id()), BaseBackupManifests.write(short1));
    // a manifest copied under another id
    a.put(
        BaseBackupCatalog.manifestKey("app", "20261207T130000Z"), BaseBackupManifests.write(good));
    a.put(BaseBackupCatalog.manifestKey("app", "20261207T120000Z"), "{".getBytes());

    BaseBackupCatalog.Listing listing = BaseBackupCatalog.list("app", List.of(a), NOW);

    assertThat(listing.entries()).extracting(e -> e.manifest().id()).containsExactly(good.id());
    assertThat(listing.invalidManifests())
        .hasSize(3)
        .anyMatch(
            l ->
                l.startsWith("store 'local-a' app.wal/base/20261207T140000Z/basebackup.json:")
                    && l.contains("does not say which WAL it needs"))
        .anyMatch(
            l -> l.contains("says id '20261207T150000Z' but lies under id '20261207T130000Z'"))
        .anyMatch(l -> l.contains("20261207T120000Z") && l.contains("not valid JSON"));
  }

  @Test
  void baseBackupsAndDumpsShareOneIdSpace() {
    Manifest m =
        manifest("20261207T150000Z", 1, "0/200028", List.of(range(1, "0/200028", "0/300100")));
    data(b, m); // its data alone, no manifest yet: the id is taken all the same

    assertThat(BackupCatalog.idsInUse("app", List.of(a, b))).containsExactly("20261207T150000Z");
    assertThat(
            BackupId.next(
                Instant.parse("2026-12-07T15:00:00Z"),
                BackupCatalog.idsInUse("app", List.of(a, b))))
        .isNotEqualTo("20261207T150000Z");
    a.put("app/20261207T160000Z/dump", new byte[] {1});
    assertThat(BackupCatalog.idsInUse("app", List.of(a, b)))
        .containsExactly("20261207T150000Z", "20261207T160000Z");
  }

  private static WalRange range(long timeline, String start, String end) {
    return new WalRange(timeline, start, end);
  }

  private static Manifest manifest(String id, long timeline, String start, List<WalRange> ranges) {
    return manifest(id, timeline, start, ranges, ranges.get(ranges.size() - 1).endLsn());
  }

  private static Manifest manifest(
      String id, long timeline, String start, List<WalRange> ranges, String stop) {
    WalRange last = ranges.get(ranges.size() - 1);
    return new Manifest(
        id,
        "app",
        null,
        Manifest.KIND,
        NOW.minusSeconds(60),
        NOW.minusSeconds(30),
        Manifest.FORMAT,
        1234,
        SHA,
        99999,
        SYSID,
        MB,
        timeline,
        start,
        start,
        last.timeline(),
        stop,
        "x",
        "y",
        ranges,
        "15.18",
        "15.18",
        "test",
        null,
        false);
  }

  private static void data(BackupStore s, Manifest m) {
    s.put(BaseBackupCatalog.dataKey("app", m.id(), false), new byte[] {1, 2, 3});
  }

  // completed segments first..last of timeline `tl`, as the receiver stores them
  private static void segments(BackupStore s, long tl, long first, long last) {
    for (long n = first; n <= last; n++) {
      s.put(
          WalArchive.segmentKey("app", SYSID, new WalFiles.Segment(tl, n, MB), SHA, false),
          new byte[] {1});
    }
  }
}
