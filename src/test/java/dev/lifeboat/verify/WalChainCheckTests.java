package dev.lifeboat.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.target.Target;
import dev.lifeboat.verify.Verify.WalReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@code verify --wal} on real filesystem stores holding WAL objects written with the archive's key
 * grammar (zstd bytes, the SHA-256 of what is stored in the key), as the receiver will write them.
 */
class WalChainCheckTests {

  static final String SYSTEM = "7716579398738843286";
  static final long SEGMENT = 1024 * 1024; // 1 MB segments, as the ITs' server
  static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");

  @TempDir Path dir;

  private final Map<String, BackupStore> stores = new TreeMap<>();

  private BackupStore store(String name) {
    return stores.computeIfAbsent(name, n -> BackupStore.filesystem(n, dir.resolve(n)));
  }

  private WalChainCheck check(List<WalArchive.BackupRange> baseBackups) {
    return new WalChainCheck(
        this::store, (store, target, system) -> baseBackups, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private WalReport verify(String... storeNames) {
    return check(List.of()).check("app", List.of(storeNames));
  }

  private void identity(String store) {
    store(store)
        .put(
            "app.wal/cluster.json",
            ("{ \"target\": \"app\", \"systemIdentifier\": \""
                    + SYSTEM
                    + "\", \"walSegmentSize\": "
                    + SEGMENT
                    + ", \"pgMajor\": 15 }")
                .getBytes(StandardCharsets.UTF_8));
  }

  static byte[] zstd(String text) {
    return Zstd.compress(text.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static WalFiles.Segment segment(long timeline, long number) {
    return new WalFiles.Segment(timeline, number, SEGMENT);
  }

  /** Stores segments {@code from} to {@code to} of timeline 1; returns the last key. */
  private String segments(String store, long from, long to) throws Exception {
    String key = null;
    for (long n = from; n <= to; n++) {
      key = segment(store, 1, n);
    }
    return key;
  }

  private String segment(String store, long timeline, long number) throws Exception {
    byte[] bytes = zstd("WAL of segment " + number + " on timeline " + timeline);
    String key =
        WalArchive.segmentKey("app", SYSTEM, segment(timeline, number), sha256(bytes), false);
    store(store).put(key, bytes);
    return key;
  }

  private String partial(String store, long number, long validBytes, Instant modified)
      throws Exception {
    byte[] bytes = zstd("the first " + validBytes + " bytes of segment " + number);
    String key =
        WalArchive.partialKey("app", SYSTEM, segment(1, number), validBytes, sha256(bytes), false);
    store(store).put(key, bytes);
    Files.setLastModifiedTime(dir.resolve(store).resolve(key), FileTime.from(modified));
    return key;
  }

  private static WalReport.Store of(WalReport report, String store) {
    return report.stores().stream().filter(s -> s.store().equals(store)).findFirst().orElseThrow();
  }

  @Test
  void anUnbrokenChainIsOkWithItsRunAndItsNewestPartialAndHowOldItIs() throws Exception {
    identity("a");
    segments("a", 1, 5);
    partial("a", 6, 8192, NOW.minusSeconds(4));
    partial("a", 6, 16384, NOW.minusSeconds(2)); // a longer partial of the same segment

    WalReport report = verify("a");

    WalReport.Store a = of(report, "a");
    assertThat(report.systemIdentifier()).isEqualTo(SYSTEM);
    assertThat(a.status()).as(a.toString()).isEqualTo(WalReport.Status.OK);
    assertThat(a.timeline()).isEqualTo(1L);
    assertThat(a.segments()).isEqualTo(5);
    assertThat(a.objects()).as("every object read, the shorter partial too").isEqualTo(7);
    assertThat(a.runs())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.first()).isEqualTo("000000010000000000000001");
              assertThat(r.last()).isEqualTo("000000010000000000000006");
              assertThat(r.segments()).isEqualTo(5);
              assertThat(r.end()).isEqualTo("0/604000");
            });
    assertThat(a.gaps()).isEmpty();
    assertThat(a.corrupt()).isEmpty();
    assertThat(a.newestPartial())
        .isEqualTo(
            new WalReport.Partial("000000010000000000000006", 16384, NOW.minusSeconds(2), 2));
    assertThat(a.detail())
        .isEqualTo(
            "5 segment(s) and a partial on timeline 1, checksums ok; no base backup yet, so no"
                + " recoverable window");
    assertThat(Verify.Report.of(report).outcome()).isEqualTo(Outcome.SUCCESS);
  }

  @Test
  void aMissingSegmentIsAGapWithItsFirstAndLastSegmentAndCount() throws Exception {
    identity("a");
    segments("a", 1, 2);
    segments("a", 5, 7);

    WalReport.Store a = of(verify("a"), "a");

    assertThat(a.status()).isEqualTo(WalReport.Status.BROKEN);
    assertThat(a.gaps())
        .containsExactly(
            new WalReport.Gap("000000010000000000000003", "000000010000000000000004", 2));
    assertThat(a.runs())
        .extracting(WalReport.Run::first, WalReport.Run::segments)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("000000010000000000000001", 2L),
            org.assertj.core.groups.Tuple.tuple("000000010000000000000005", 3L));
    assertThat(a.detail())
        .isEqualTo("segment 000000010000000000000003 missing (and 1 more in 1 gap(s))");
  }

  @Test
  void aFlippedByteIsACorruptObjectNamedByItsKeyAndItsSegmentAGap() throws Exception {
    identity("a");
    identity("b");
    segments("a", 1, 4);
    segments("b", 1, 4);
    String key =
        WalArchive.segmentKey(
            "app", SYSTEM, segment(1, 3), sha256(zstd("WAL of segment 3 on timeline 1")), false);
    Path file = dir.resolve("b").resolve(key);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);

    WalReport report = verify("a", "b");

    assertThat(of(report, "a").status()).isEqualTo(WalReport.Status.OK);
    WalReport.Store b = of(report, "b");
    assertThat(b.status()).isEqualTo(WalReport.Status.BROKEN);
    assertThat(b.corrupt())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.key()).isEqualTo(key);
              assertThat(c.problem())
                  .startsWith("checksum mismatch: its " + bytes.length + " stored bytes hash to ");
            });
    assertThat(b.gaps())
        .containsExactly(
            new WalReport.Gap("000000010000000000000003", "000000010000000000000003", 1));
    assertThat(b.detail()).contains("1 corrupt or unreadable object(s): " + key);
    Verify.Report verdict = Verify.Report.of(report);
    assertThat(verdict.outcome()).isEqualTo(Outcome.PARTIAL);
    assertThat(verdict.summary()).isEqualTo("WAL of app: a ok, b broken");
    assertThat(verdict.error()).startsWith("b: broken - segment 000000010000000000000003 missing");
    assertThat(Files.readAllBytes(file)).as("verify only reads").isEqualTo(bytes);
  }

  @Test
  void aCorruptCopyBesideAGoodOneIsReportedButLeavesNoGap() throws Exception {
    identity("a");
    segments("a", 1, 3);
    byte[] bad = zstd("another copy of segment 2");
    String key = WalArchive.segmentKey("app", SYSTEM, segment(1, 2), sha256(bad), false);
    bad[bad.length - 1] ^= 1;
    store("a").put(key, bad);

    WalReport.Store a = of(verify("a"), "a");

    assertThat(a.gaps()).isEmpty();
    assertThat(a.segments()).isEqualTo(3);
    assertThat(a.corrupt()).extracting(WalReport.Corrupt::key).containsExactly(key);
    assertThat(a.status()).isEqualTo(WalReport.Status.BROKEN);
  }

  @Test
  void aStoreWithoutWalSaysSoAndAnUnreachableStoreIsNamed() throws Exception {
    identity("a");
    segments("a", 1, 2);
    Files.createDirectories(dir.resolve("empty"));
    Files.writeString(dir.resolve("gone"), "a file where the store's directory should be");

    WalReport report = verify("a", "empty", "gone");

    assertThat(of(report, "a").status()).isEqualTo(WalReport.Status.OK);
    WalReport.Store empty = of(report, "empty");
    assertThat(empty.status()).isEqualTo(WalReport.Status.EMPTY);
    assertThat(empty.detail())
        .isEqualTo("the store holds no WAL of target app (system " + SYSTEM + ")");
    WalReport.Store gone = of(report, "gone");
    assertThat(gone.status()).isEqualTo(WalReport.Status.UNREACHABLE);
    assertThat(gone.detail()).isNotBlank();
    assertThat(Verify.Report.of(report).outcome()).isEqualTo(Outcome.PARTIAL);
  }

  @Test
  void noStoreWithWalAtAllFailsTheVerify() {
    WalReport report = verify("a");

    assertThat(report.systemIdentifier()).isNull();
    assertThat(of(report, "a").status()).isEqualTo(WalReport.Status.EMPTY);
    assertThat(of(report, "a").detail()).isEqualTo("the store holds no WAL of target app");
    assertThat(Verify.Report.of(report).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void aStoreThatLostItsClusterFileIsReadWithTheOtherStoresIdentity() throws Exception {
    identity("a");
    segments("a", 1, 3);
    segments("b", 1, 3);

    WalReport report = verify("a", "b");

    assertThat(of(report, "b").status()).isEqualTo(WalReport.Status.OK);
    assertThat(of(report, "b").segments()).isEqualTo(3);
  }

  @Test
  void aBaseBackupsWindowReachesTheNewestWalOrTheStoreIsBroken() throws Exception {
    identity("a");
    identity("b");
    segments("a", 1, 6);
    segments("b", 1, 3);
    segments("b", 5, 6); // after the gap no base backup started: nothing reaches segment 6
    Instant done = Instant.parse("2026-12-07T15:10:04Z");
    WalArchive.BackupRange backup =
        new WalArchive.BackupRange(
            "20261207T151000Z",
            1,
            Lsn.ofSegment(2, SEGMENT).plus(40),
            Lsn.ofSegment(2, SEGMENT).plus(9000),
            done);

    WalReport report = check(List.of(backup)).check("app", List.of("a", "b"));

    WalReport.Store a = of(report, "a");
    assertThat(a.status()).as(a.detail()).isEqualTo(WalReport.Status.OK);
    assertThat(a.windows())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.baseBackup()).isEqualTo("20261207T151000Z");
              assertThat(w.from()).isEqualTo(done);
              assertThat(w.toLsn()).isEqualTo("0/700000");
              assertThat(w.timeline()).isEqualTo(1);
            });
    WalReport.Store b = of(report, "b");
    assertThat(b.status()).isEqualTo(WalReport.Status.BROKEN);
    assertThat(b.windows()).extracting(WalReport.Window::toLsn).containsExactly("0/400000");
    assertThat(b.detail())
        .contains("segment 000000010000000000000004 missing")
        .contains("no base backup's window reaches the newest WAL (0/700000)");
  }

  @Test
  void theChainFollowsAStoredTimelineHistoryToTheNewTimeline() throws Exception {
    identity("a");
    segments("a", 1, 3);
    WalFiles.History two =
        new WalFiles.History(
            2,
            List.of(
                new WalFiles.History.Switch(
                    1, Lsn.ofSegment(4, SEGMENT).plus(100), "no recovery target specified")));
    byte[] history = zstd(two.text());
    store("a").put(WalArchive.historyKey("app", SYSTEM, 2, sha256(history), false), history);
    segment("a", 2, 4);
    segment("a", 2, 5);

    WalReport.Store a = of(verify("a"), "a");

    assertThat(a.status()).as(a.detail()).isEqualTo(WalReport.Status.OK);
    assertThat(a.timeline()).isEqualTo(2L);
    assertThat(a.runs())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.first()).isEqualTo("000000010000000000000001");
              assertThat(r.last()).isEqualTo("000000020000000000000005");
              assertThat(r.segments()).isEqualTo(5);
            });
    assertThat(a.objects()).isEqualTo(6);
  }

  @Test
  void encryptedObjectsAreCheckedWithoutASecretButAnEncryptedHistoryIsNotFollowed()
      throws Exception {
    identity("a");
    for (long n = 1; n <= 3; n++) {
      byte[] sealed = ("age-encryption.org/v1\n… segment " + n).getBytes(StandardCharsets.UTF_8);
      store("a")
          .put(WalArchive.segmentKey("app", SYSTEM, segment(1, n), sha256(sealed), true), sealed);
    }
    byte[] history = "age-encryption.org/v1\n… history 2".getBytes(StandardCharsets.UTF_8);
    store("a").put(WalArchive.historyKey("app", SYSTEM, 2, sha256(history), true), history);
    segment("a", 2, 4);

    WalReport.Store a = of(verify("a"), "a");

    assertThat(a.corrupt()).isEmpty();
    assertThat(a.objects()).isEqualTo(5);
    assertThat(a.segments()).as("timeline 2 is off the path without its history").isEqualTo(3);
    assertThat(a.timelinesWithoutHistory()).containsExactly(2L);
    assertThat(a.status()).isEqualTo(WalReport.Status.OK);
    assertThat(a.detail())
        .isEqualTo(
            "3 segment(s) on timeline 1, checksums ok; no base backup yet, so no recoverable"
                + " window; the WAL of timeline(s) [2] is not followed: its history file is"
                + " encrypted or not stored");
  }

  @Test
  void verifyWalOfATargetThatDoesNotArchiveItsWalIsAUsageErrorAndAnUnknownStoreToo() {
    Verify verify = new Verify(null, config(false));
    Target app = new Target("app", null, List.of("a"), null);

    assertThatThrownBy(() -> verify.prepare(VerifyRequest.wal("app", null), app))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--wal: target 'app' does not archive its WAL (lifeboat.targets.app.wal.enabled is"
                + " false), so there is no WAL chain to verify")
        .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(2));
    VerifyRequest backup = new VerifyRequest("app", "latest", null, false, false);
    assertThat(verify.prepare(backup, app))
        .as("a verify of a backup is unchanged")
        .isSameAs(backup);

    Verify archiving = new Verify(null, config(true));
    assertThat(archiving.prepare(VerifyRequest.wal("app", "a"), app)).isNotNull();
    assertThatThrownBy(() -> archiving.prepare(VerifyRequest.wal("app", "b"), app))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--store: target 'app' has no store named 'b' (its stores: a)");
    assertThatThrownBy(
            () -> archiving.prepare(new VerifyRequest("app", null, null, true, false, true), app))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--deep: reads a backup; verify --wal checks the WAL archive");
  }

  @Test
  void aStoreThatFailsWhileListedIsUnreachable() {
    WalChainCheck check =
        new WalChainCheck(
            name -> {
              throw new StoreException(name, StoreException.Kind.UNAVAILABLE, "connection refused");
            },
            (store, target, system) -> List.of(),
            Clock.fixed(NOW, ZoneOffset.UTC));

    WalReport report = check.check("app", List.of("x"));

    assertThat(of(report, "x").status()).isEqualTo(WalReport.Status.UNREACHABLE);
    assertThat(of(report, "x").detail()).isEqualTo("connection refused");
  }

  private static LifeboatConfig config(boolean wal) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1:5432/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.targets.app.wal.enabled", Boolean.toString(wal));
    all.put("lifeboat.stores.a.type", "filesystem");
    all.put("lifeboat.stores.a.path", "/var/backups/lifeboat");
    return new LifeboatConfig(
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", Bindable.of(LifeboatProperties.class)));
  }
}
