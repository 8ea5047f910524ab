package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster.json and the stored newest history, in a real filesystem store. */
class ClusterIdentityTests {

  static final long SEGMENT = 1 << 20;
  static final String SYSTEM = "7716579398738843286";

  @TempDir Path dir;
  BackupStore store;
  Path stream;
  Path spool;

  @BeforeEach
  void aStore() throws Exception {
    store = BackupStore.filesystem("local", Files.createDirectory(dir.resolve("store")));
    stream = Files.createDirectory(dir.resolve("stream"));
    spool = Files.createDirectory(dir.resolve("sealed"));
  }

  @Test
  void aStoreWithoutClusterJsonRecordsNothingAndOneWrittenReadsBack() {
    assertThat(ClusterIdentity.read(store, "app")).isEmpty();

    ClusterIdentity.Recorded recorded =
        new ClusterIdentity.Recorded(
            "app", SYSTEM, SEGMENT, 15, Instant.parse("2026-12-07T10:00:00Z"), "n1");
    ClusterIdentity.write(store, recorded);

    assertThat(ClusterIdentity.key("app")).isEqualTo("app.wal/cluster.json");
    assertThat(ClusterIdentity.read(store, "app")).contains(recorded);
    assertThat(ClusterIdentity.read(store, "db2")).as("another target").isEmpty();
  }

  @Test
  void theNewestStoredHistoryIsReadWithoutAnySecretAndTimelineOneWhenNoneIsStored()
      throws Exception {
    assertThat(ClusterIdentity.newestHistory(store, "app", SYSTEM, SEGMENT))
        .isEqualTo(WalFiles.History.of(1));

    store("00000002.history", "1\t0/3000000\tno recovery target specified\n");
    store(
        "00000003.history",
        "1\t0/3000000\tno recovery target specified\n2\t0/5000028\tbefore 2026-12-07\n");

    WalFiles.History newest = ClusterIdentity.newestHistory(store, "app", SYSTEM, SEGMENT);
    assertThat(newest.timeline()).isEqualTo(3);
    assertThat(newest.switches())
        .extracting(WalFiles.History.Switch::parent, WalFiles.History.Switch::at)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, Lsn.parse("0/3000000")),
            org.assertj.core.groups.Tuple.tuple(2L, Lsn.parse("0/5000028")));
  }

  /** Seals a history file as the receiver does (zstd, no age) and uploads it. */
  private void store(String name, String content) throws Exception {
    Path file = Files.writeString(stream.resolve(name), content, StandardCharsets.UTF_8);
    Sealer plain = new Sealer("app", SYSTEM, SEGMENT, 3, List.of(), spool, Files::newInputStream);
    Sealer.Sealed sealed = plain.seal(file);
    var upload = store.upload(sealed.key());
    byte[] bytes = Files.readAllBytes(sealed.file());
    upload.write(bytes, 0, bytes.length);
    upload.commit();
  }
}
