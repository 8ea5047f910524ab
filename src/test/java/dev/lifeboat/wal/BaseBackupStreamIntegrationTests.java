package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.testing.PostgresServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base backup of the shared server into two real filesystem stores: the data object, its signed
 * manifest, and what the manifest says against the tar it describes. No receiver streams the WAL
 * here, so no store is complete: the base backup waits for its WAL.
 */
class BaseBackupStreamIntegrationTests {

  private static final String PASSWORD = "pw-bbstream-3307";
  private static final LifeboatProperties.Backup SETTINGS = new LifeboatProperties.Backup(2, 0, 4);

  private static PostgresServer server;
  private static PgConnection replicator;

  @TempDir Path dir;
  BackupStore a;
  BackupStore b;
  SigningKey key;

  @BeforeAll
  static void makeTheRole() {
    server = PostgresServer.shared();
    replicator = server.replicationRole("bbstream", PASSWORD);
  }

  @BeforeEach
  void twoStores() {
    a = BackupStore.filesystem("local-a", dir.resolve("a"));
    b = BackupStore.filesystem("local-b", dir.resolve("b"));
    key = SigningKey.create("lifeboat.signing.key-file", dir.resolve("keys/signing.pem"));
  }

  @Test
  void streamsTheTarToEveryStoreAndSignsAManifestOfItsOwnLabelAndWalRange() throws Exception {
    Instant startedAt = Instant.now().minusSeconds(1);
    BaseBackupStream.Streamed streamed =
        stream()
            .run(
                new BaseBackupStream.Source(
                    "app", replicator, List.of(a, b), List.of(), SETTINGS, key),
                "20261207T180000Z",
                null,
                startedAt,
                run -> {});

    assertThat(streamed.stores())
        .containsExactly(
            Map.entry("local-a", new ObjectUpload.Broadcast.Outcome(true, null)),
            Map.entry("local-b", new ObjectUpload.Broadcast.Outcome(true, null)));
    Manifest m = streamed.manifest();
    System.out.println("base backup of the shared server: " + m);
    assertThat(m.kind()).isEqualTo("basebackup");
    assertThat(m.format()).isEqualTo("pg_basebackup-tar+zstd");
    assertThat(m.systemIdentifier()).matches("[1-9][0-9]+");
    assertThat(m.walSegmentSize()).isEqualTo(16L * 1024 * 1024);
    assertThat(m.timeline()).isEqualTo(1);
    assertThat(m.stop()).isGreaterThan(m.start());
    assertThat(m.walRanges()).containsExactly(new Manifest.WalRange(1, m.startLsn(), m.stopLsn()));
    assertThat(m.segments()).isNotEmpty();
    assertThat(m.segments().get(0).name()).isEqualTo(m.startSegment());
    assertThat(m.segments().get(m.segments().size() - 1).name()).isEqualTo(m.stopSegment());

    for (BackupStore s : List.of(a, b)) {
      String dataKey = BaseBackupCatalog.dataKey("app", m.id(), false);
      assertThat(dataKey).isEqualTo("app.wal/base/20261207T180000Z/base.tar.zst");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      TarScanner again = new TarScanner(OutputStream.nullOutputStream());
      long stored;
      try (DigestInputStream in = new DigestInputStream(s.open(dataKey), sha);
          InputStream tar = new ZstdInputStream(in)) {
        tar.transferTo(again);
        stored = s.stat(dataKey).orElseThrow().size();
      }
      assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(m.sha256());
      assertThat(stored).isEqualTo(m.sizeBytes());
      TarScanner.Scan scan = again.finishWithManifest();
      assertThat(scan.tarBytes()).isEqualTo(m.rawBytes());
      assertThat(scan.label().startLsn()).isEqualTo(Lsn.parse(m.startLsn()));
      assertThat(scan.label().label()).isEqualTo("lifeboat-app-20261207T180000Z");
      assertThat(s.stat(BaseBackupCatalog.manifestKey("app", m.id()))).isPresent();
      assertThat(s.stat(BaseBackupCatalog.signatureKey("app", m.id()))).isPresent();
    }
    // nothing streams the WAL here: the copy is whole in both stores and complete in none
    assertThat(BaseBackupCatalog.completeIn("app", m, List.of(a, b))).isEmpty();
  }

  @Test
  void aRefusedCopyLeavesNothingInAnyStore() {
    server.cluster().createRole("bbnorepl", PASSWORD, false);
    PgConnection plain =
        new PgConnection("127.0.0.1", server.cluster().port(), "postgres", "bbnorepl", PASSWORD);
    assertThatThrownBy(
            () ->
                stream()
                    .run(
                        new BaseBackupStream.Source(
                            "app", plain, List.of(a, b), List.of(), SETTINGS, key),
                        "20261207T180001Z",
                        null,
                        Instant.now(),
                        run -> {}))
        .hasMessageContaining("target app")
        .hasMessageContaining("REPLICATION");
    assertThat(a.list("app.wal/")).isEmpty();
    assertThat(b.list("app.wal/")).isEmpty();
  }

  private static BaseBackupStream stream() {
    return new BaseBackupStream(server.binaries(), ProcessRunner.system(), Clock.systemUTC());
  }
}
