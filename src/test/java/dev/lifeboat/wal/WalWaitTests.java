package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.store.BackupStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The base backup's verdict per store, on real filesystem stores with and without its WAL. */
class WalWaitTests {

  private static final long MB = 1024L * 1024;
  private static final String SYSID = "7716579398738843286";
  private static final String SHA = "cd".repeat(32);
  private static final Instant T = Instant.parse("2026-12-07T16:00:00Z");

  @TempDir Path dir;
  BackupStore a;
  BackupStore b;
  BackupStore c;

  @BeforeEach
  void threeStores() {
    a = BackupStore.filesystem("local-a", dir.resolve("a"));
    b = BackupStore.filesystem("local-b", dir.resolve("b"));
    c = BackupStore.filesystem("s3-c", dir.resolve("c"));
  }

  @Test
  void aStoreWithTheWalIsCompleteOneWithoutWaitsAndAFailedUploadFails() {
    segments(a, 2, 3);
    segments(b, 2, 2); // stop segment 3 not there: waits
    BaseBackupStream.Streamed streamed =
        streamed(Map.of("local-a", true, "local-b", true, "s3-c", false));

    BaseBackupResult r =
        wait(Duration.ZERO).decide("app", List.of(a, b, c), streamed, new StoppableWork.Stop());

    assertThat(r.outcome()).isEqualTo(Outcome.PARTIAL);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stores())
        .extracting(s -> s.store() + " " + s.status().word())
        .containsExactly("local-a complete", "local-b waiting-for-wal", "s3-c failed");
    assertThat(r.stores().get(1).detail())
        .isEqualTo(
            "data and manifest stored; segments 000000010000000000000002 to"
                + " 000000010000000000000003 not all there yet; nothing streams it here");
    assertThat(r.stores().get(2).detail()).isEqualTo("connection reset");
    assertThat(r.error()).isEqualTo("not complete in every store");
    // the words in --json, and read back
    String json = Json.write(r);
    assertThat(json).contains("\"waiting-for-wal\"").contains("\"partial\"");
    assertThat(Json.read(json, BaseBackupResult.class)).isEqualTo(r);
  }

  @Test
  void withoutItsWalAnywhereItIsCompleteNowhereAndTheResultSaysWhy() {
    BaseBackupStream.Streamed streamed = streamed(Map.of("local-a", true, "local-b", true));

    BaseBackupResult r =
        wait(Duration.ZERO).decide("app", List.of(a, b), streamed, new StoppableWork.Stop());

    assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(r.stores())
        .allMatch(s -> s.status() == BaseBackupResult.StoreOutcome.Status.WAITING_FOR_WAL);
    assertThat(r.error())
        .isEqualTo("complete in no store: its WAL is not there; nothing streams it here");
    assertThat(r.summary()).contains("local-a waiting-for-wal", "0/200028 to 0/300100");
  }

  @Test
  void itWaitsForWalThatArrivesWithinItsTimeout() throws Exception {
    BaseBackupStream.Streamed streamed = streamed(Map.of("local-a", true));
    segments(a, 2, 2);
    Thread arriving =
        new Thread(
            () -> {
              try {
                Thread.sleep(500);
              } catch (InterruptedException e) {
                return;
              }
              segments(a, 3, 3);
            });
    arriving.start();

    BaseBackupResult r =
        wait(Duration.ofSeconds(10)).decide("app", List.of(a), streamed, new StoppableWork.Stop());
    arriving.join();

    assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(r.error()).isNull();
  }

  private static WalWait wait(Duration timeout) {
    return new WalWait(null, timeout, "nothing streams it here");
  }

  private static BaseBackupStream.Streamed streamed(Map<String, Boolean> ok) {
    Map<String, dev.lifeboat.store.ObjectUpload.Broadcast.Outcome> outcomes = new LinkedHashMap<>();
    ok.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                outcomes.put(
                    e.getKey(),
                    new dev.lifeboat.store.ObjectUpload.Broadcast.Outcome(
                        e.getValue(), e.getValue() ? null : "connection reset")));
    Manifest m =
        new Manifest(
            "20261207T150000Z",
            "app",
            null,
            Manifest.KIND,
            T.minusSeconds(60),
            T.minusSeconds(30),
            Manifest.FORMAT,
            1234,
            SHA,
            99999,
            SYSID,
            MB,
            1,
            "0/200028",
            "0/200060",
            1,
            "0/300100",
            "000000010000000000000002",
            "000000010000000000000003",
            List.of(new Manifest.WalRange(1, "0/200028", "0/300100")),
            "15.18",
            "15.18",
            "test",
            null,
            false);
    return new BaseBackupStream.Streamed(m, outcomes);
  }

  private static void segments(BackupStore s, long first, long last) {
    for (long n = first; n <= last; n++) {
      s.put(
          WalArchive.segmentKey("app", SYSID, new WalFiles.Segment(1, n, MB), SHA, false),
          new byte[] {1});
    }
  }
}
