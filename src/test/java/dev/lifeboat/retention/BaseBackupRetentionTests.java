package dev.lifeboat.retention;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest.WalRange;
import dev.lifeboat.catalog.Pin;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.target.Targets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Prune of a store's base backups and WAL on a real filesystem store: two base backups on one chain
 * of 1 MB segments, the older (b1, segments 2-3) and the newer (b2, segments 6-7), WAL 1 to 9, a
 * partial of 9 its completed segment replaces and the newest partial, of 10.
 */
class BaseBackupRetentionTests {

  private static final long MB = 1024L * 1024;
  private static final String SYSID = "7716579398738843286";
  private static final String B1 = "20261201T030000Z";
  private static final String B2 = "20261206T030000Z";
  private static final Duration FAILING_AFTER = Duration.ofDays(365);

  @TempDir Path dir;
  BackupStore store;
  Clock clock;
  SigningKey key;
  int checksums;

  @BeforeEach
  void aChainWithTwoBaseBackups() {
    store = BackupStore.filesystem("local", dir.resolve("store"));
    key = SigningKey.create("lifeboat.signing.key-file", dir.resolve("keys/signing.pem"));
    // two days on: every object written now is older than min-age (24h)
    clock = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);
    publish(B1, "0/200028", "0/300100", Duration.ofDays(6));
    publish(B2, "0/600028", "0/700100", Duration.ofDays(1));
    for (long n = 1; n <= 9; n++) {
      segment(n);
    }
    partial(9, 0x100);
    partial(10, 0x200);
  }

  @Test
  void theOlderBaseBackupGoesWithTheWalBeforeTheNewerOnesStartAndItsChainStays() {
    Set<String> before = keys();

    PruneReport.Wal wal = prune(keepLast(1), Set.of(), null, false);

    assertThat(wal.deleted()).containsExactly(B1);
    assertThat(wal.kept()).extracting(PruneReport.Kept::id).containsExactly(B2);
    assertThat(wal.kept().get(0).reasons()).contains("newest");
    assertThat(wal.walDeleted()).isEqualTo(6); // segments 1 to 5 and the replaced partial of 9
    assertThat(wal.walDeletedBytes()).isEqualTo(6 * 100);
    assertThat(wal.keptFrom()).isEqualTo("0/600028");
    assertThat(wal.oldestKeptSegment()).isEqualTo("000000010000000000000006");
    assertThat(wal.reasons())
        .containsExactly(
            "5 WAL object(s): before the oldest kept base backup's start 0/600028",
            "1 WAL object(s): partial(s) a completed segment or a longer partial replaces");
    Set<String> after = keys();
    assertThat(after).noneMatch(k -> k.startsWith(BaseBackupCatalog.folder("app", B1)));
    assertThat(after).contains(BaseBackupCatalog.manifestKey("app", B2));
    assertThat(segmentsLeft(after)).containsExactly(6L, 7L, 8L, 9L, 10L);
    assertThat(before).containsAll(after);
    // the kept one is still complete in the store: its WAL is all there
    assertThat(BaseBackupCatalog.list("app", store, clock.instant()).entries())
        .singleElement()
        .satisfies(e -> assertThat(e.completeIn()).containsExactly("local"));
  }

  @Test
  void everyKeptBaseBackupKeepsItsChainFromTheOldestStartOn() {
    PruneReport.Wal wal = prune(keepLast(2), Set.of(), null, false);

    assertThat(wal.deleted()).isEmpty();
    assertThat(wal.kept()).extracting(PruneReport.Kept::id).containsExactly(B2, B1);
    assertThat(wal.keptFrom()).isEqualTo("0/200028");
    assertThat(segmentsLeft(keys())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(BaseBackupCatalog.list("app", store, clock.instant()).entries())
        .allSatisfy(e -> assertThat(e.completeIn()).containsExactly("local"));
  }

  @Test
  void aPinnedOldBaseBackupHoldsItsWalAndAPinInAnotherStoreCountsToo() {
    store.put(BaseBackupCatalog.folder("app", B1) + Pin.FILE, "{}".getBytes());
    BaseBackupRetention.Scan scan = BaseBackupRetention.scan(store, "app", clock.instant());
    assertThat(scan.pinned()).containsExactly(B1);

    PruneReport.Wal wal =
        BaseBackupRetention.prune(
            scan, "app", keepLast(1), FAILING_AFTER, scan.pinned(), null, clock, DAY, false);

    assertThat(wal.deleted()).isEmpty();
    assertThat(wal.kept())
        .filteredOn(k -> k.id().equals(B1))
        .singleElement()
        .satisfies(k -> assertThat(k.reasons()).containsExactly("pinned"));
    assertThat(segmentsLeft(keys())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);

    // pinned in another store only: the pins of all stores are passed in
    store.delete(List.of(BaseBackupCatalog.folder("app", B1) + Pin.FILE));
    assertThat(prune(keepLast(1), Set.of(B1), null, false).deleted()).isEmpty();
    assertThat(keys()).contains(BaseBackupCatalog.manifestKey("app", B1));
  }

  @Test
  void aDryRunDeletesNothingAndSaysWhatWouldGo() {
    Set<String> before = keys();

    PruneReport.Wal dry = prune(keepLast(1), Set.of(), null, true);

    assertThat(keys()).isEqualTo(before);
    assertThat(dry.deleted()).containsExactly(B1);
    assertThat(dry.walDeleted()).isEqualTo(6);
    // the real prune then does what the dry run said
    PruneReport.Wal real = prune(keepLast(1), Set.of(), null, false);
    assertThat(real).isEqualTo(dry);
  }

  @Test
  void whileAnotherStoreCannotBeReadNoBaseBackupIsDeletedAndTheirChainsStay() {
    PruneReport.Wal wal = prune(keepLast(1), Set.of(), "store 'offsite' could not be read", false);

    assertThat(wal.deleted()).isEmpty();
    assertThat(wal.kept())
        .filteredOn(k -> k.id().equals(B1))
        .singleElement()
        .satisfies(k -> assertThat(k.reasons()).containsExactly(Pruner.STORE_UNREADABLE));
    assertThat(segmentsLeft(keys())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void aBaseBackupWaitingForWalIsKeptWhileItMayCompleteAndGoesWhenANewerOneOvertookIt() {
    // both wait for segments 20-21 and 11-12, which the store does not hold
    String stale = "20261130T030000Z";
    String young = "20261207T030000Z";
    publish(stale, "0/1400028", "0/1500100", Duration.ofDays(7));
    publish(young, "0/B00028", "0/C00100", Duration.ofHours(1));

    PruneReport.Wal wal = prune(keepLast(2), Set.of(), null, false);

    assertThat(wal.deleted()).containsExactly(stale);
    assertThat(wal.kept())
        .contains(new PruneReport.Kept(young, List.of(BaseBackupRetention.WAITING_FOR_WAL)));
    assertThat(keys()).noneMatch(k -> k.startsWith(BaseBackupCatalog.folder("app", stale)));
    assertThat(keys()).contains(BaseBackupCatalog.manifestKey("app", young));
    assertThat(wal.keptFrom()).isEqualTo("0/200028");
  }

  @Test
  void withNoCompleteBaseBackupNoWalIsDeleted() {
    // b2's segment 7 is lost: b2 waits for it; b1 is gone
    store.delete(
        keys().stream()
            .filter(
                k -> k.startsWith(BaseBackupCatalog.folder("app", B1)) || k.contains("00000007-"))
            .toList());
    Set<String> before = keys();

    PruneReport.Wal wal = prune(keepLast(1), Set.of(), null, false);

    assertThat(keys()).isEqualTo(before);
    assertThat(wal.kept())
        .containsExactly(new PruneReport.Kept(B2, List.of(BaseBackupRetention.WAITING_FOR_WAL)));
    assertThat(wal.walDeleted()).isZero();
    assertThat(wal.reasons())
        .containsExactly("no base backup is complete in this store: every WAL object is kept");
  }

  /**
   * A switch to timeline 2 in segment 5 (its history stored): the newer base backup starts on
   * timeline 2 in segment 6. The WAL before it of both timelines goes, the history and timeline 2's
   * WAL from segment 6 on stay, and the base backup is still complete.
   */
  @Test
  void afterATimelineSwitchTheKeptBaseBackupKeepsItsHistoryAndItsTimelinesWal() {
    store = BackupStore.filesystem("local", dir.resolve("timelines"));
    publish(B1, "0/200028", "0/300100", Duration.ofDays(6));
    publish(B2, 2, "0/600028", "0/700100", Duration.ofDays(1));
    store.put(
        WalArchive.historyKey("app", SYSID, 2, sha(), false),
        Zstd.compress("1\t0/580000\tno recovery target specified\n".getBytes()));
    for (long n = 1; n <= 5; n++) {
      segment(1, n);
    }
    for (long n = 5; n <= 9; n++) {
      segment(2, n);
    }

    PruneReport.Wal wal = prune(keepLast(1), Set.of(), null, false);

    assertThat(wal.deleted()).containsExactly(B1);
    assertThat(wal.walDeleted()).isEqualTo(6); // 1-5 of timeline 1, 5 of timeline 2
    assertThat(wal.oldestKeptSegment()).isEqualTo("000000020000000000000006");
    assertThat(keys()).anyMatch(k -> k.contains("/history/00000002.history-"));
    // what is left still opens a window from the kept base backup, along timeline 2
    WalFiles.History history =
        WalFiles.History.parse(2, "1\t0/580000\tno recovery target specified\n");
    WalArchive.BackupRange b2 =
        new WalArchive.BackupRange(
            B2, 2, Lsn.parse("0/600028"), Lsn.parse("0/700100"), clock.instant());
    assertThat(
            WalArchive.chain(
                    MB,
                    WalArchive.entries("app", MB, store.list("app.wal/")),
                    List.of(b2),
                    List.of(history))
                .windows())
        .singleElement()
        .satisfies(w -> assertThat(w.timeline()).isEqualTo(2));
    assertThat(BaseBackupCatalog.list("app", store, clock.instant()).entries())
        .singleElement()
        .satisfies(e -> assertThat(e.completeIn()).containsExactly("local"));
  }

  /**
   * Through {@link Pruner}, with a second store that cannot be listed (its root became a file):
   * that store is skipped, and in the store that answers no base backup is deleted (a pin may be
   * kept in the other) while WAL no base backup there needs still goes; a dry run before changes
   * nothing.
   */
  @Test
  void aStoreThatCannotBeListedLosesNothingAndHoldsTheBaseBackupsOfTheOthers() throws Exception {
    Path offsite = Files.createDirectories(dir.resolve("offsite"));
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.home", dir.resolve("home").toString());
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1:5432/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.targets.app.stores[0]", "local");
    all.put("lifeboat.targets.app.stores[1]", "offsite");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", dir.resolve("store").toString());
    all.put("lifeboat.stores.offsite.type", "filesystem");
    all.put("lifeboat.stores.offsite.path", offsite.toString());
    all.put("lifeboat.retention.keep-last", "1");
    all.put("lifeboat.retention.keep-daily", "0");
    all.put("lifeboat.retention.keep-weekly", "0");
    all.put("lifeboat.retention.keep-monthly", "0");
    LifeboatConfig config =
        new LifeboatConfig(
            new Binder(new MapConfigurationPropertySource(all))
                .bindOrCreate("lifeboat", LifeboatProperties.class));
    try (StoreFactory factory = new StoreFactory()) {
      Targets targets = new Targets(config, factory);
      Pruner pruner =
          new Pruner(config, targets, clock, new RetentionMetrics(new SimpleMeterRegistry()));
      targets.stores(targets.resolve("app"));
      // the offsite store goes bad after start: its root is now a file
      Files.delete(offsite);
      Files.writeString(offsite, "x");
      Set<String> before = keys();

      PruneReport dry = pruner.prune(targets.resolve("app"), null, true);
      assertThat(keys()).isEqualTo(before);
      PruneReport report = pruner.prune(targets.resolve("app"), null, false);

      assertThat(report.stores())
          .extracting(PruneReport.StoreReport::status)
          .containsExactly(PruneReport.StoreStatus.PRUNED, PruneReport.StoreStatus.SKIPPED);
      assertThat(report.stores().get(1).wal()).isNull();
      PruneReport.Wal wal = report.stores().get(0).wal();
      assertThat(wal.deleted()).isEmpty();
      assertThat(wal.kept()).extracting(PruneReport.Kept::id).containsExactly(B2, B1);
      assertThat(wal.walDeleted()).isEqualTo(2); // segment 1 and the replaced partial of 9
      assertThat(dry.stores().get(0).wal()).isEqualTo(wal);
      assertThat(segmentsLeft(keys())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      assertThat(report.summary()).endsWith("; 0 base backups and 2 WAL objects (200 bytes)");
    }
  }

  private static final Duration DAY = Duration.ofDays(1);

  private PruneReport.Wal prune(
      RetentionRules rules, Set<String> pinned, String hold, boolean dry) {
    BaseBackupRetention.Scan scan = BaseBackupRetention.scan(store, "app", clock.instant());
    return BaseBackupRetention.prune(
        scan, "app", rules, FAILING_AFTER, pinned, hold, clock, DAY, dry);
  }

  private static RetentionRules keepLast(int n) {
    return new RetentionRules(
        n, 0, 0, 0, 0, 0, null, List.of(), Duration.ofHours(24), ZoneOffset.UTC);
  }

  private Set<String> keys() {
    return Set.copyOf(store.list("app.wal/").stream().map(StoredObject::key).toList());
  }

  // the segment numbers of the completed segments and partials left
  private static List<Long> segmentsLeft(Set<String> keys) {
    return WalArchive.entries(
            "app", MB, keys.stream().map(k -> new StoredObject(k, 100, Instant.EPOCH)).toList())
        .stream()
        .filter(e -> e.kind() != WalArchive.Kind.HISTORY)
        .map(WalArchive.Entry::segmentNumber)
        .distinct()
        .toList();
  }

  private void publish(String id, String start, String stop, Duration age) {
    publish(id, 1, start, stop, age);
  }

  private void publish(String id, long timeline, String start, String stop, Duration age) {
    Instant completed = clock.instant().minus(age);
    Manifest m =
        new Manifest(
            id,
            "app",
            null,
            Manifest.KIND,
            completed.minusSeconds(60),
            completed,
            Manifest.FORMAT,
            3,
            "ab".repeat(32),
            99999,
            SYSID,
            MB,
            timeline,
            start,
            start,
            timeline,
            stop,
            "x",
            "y",
            List.of(new WalRange(timeline, start, stop)),
            "15.18",
            "15.18",
            "test",
            null,
            false);
    store.put(BaseBackupCatalog.dataKey("app", id, false), new byte[] {1, 2, 3});
    BaseBackupCatalog.publish(store, m, key);
  }

  private String sha() {
    return String.format(Locale.ROOT, "%064x", ++checksums);
  }

  private void segment(long n) {
    segment(1, n);
  }

  private void segment(long timeline, long n) {
    store.put(
        WalArchive.segmentKey("app", SYSID, new WalFiles.Segment(timeline, n, MB), sha(), false),
        new byte[100]);
  }

  private void partial(long n, long valid) {
    store.put(
        WalArchive.partialKey("app", SYSID, new WalFiles.Segment(1, n, MB), valid, sha(), false),
        new byte[100]);
  }
}
