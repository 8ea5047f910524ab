package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest.WalRange;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.store.BackupStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What ends a chain break: a base backup of the same cluster that starts at or after the break,
 * once the WAL up to its stop is durable; read from real filesystem stores, one of which may be
 * down.
 */
class ChainBreakTests {

  private static final String SYSID = "7716579398738843286";
  private static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");
  private static final Lsn BREAK = Lsn.parse("0/5000000");

  @TempDir Path dir;

  @Test
  void onlyABaseBackupOfThisClusterAfterTheBreakWithItsWalDurableMendsIt() {
    BackupStore store = BackupStore.filesystem("local", dir.resolve("a"));
    SigningKey key = SigningKey.create("lifeboat.signing.key-file", dir.resolve("signing.pem"));
    ChainBreak chain = new ChainBreak("app", SYSID, BREAK);
    BaseBackupCatalog.publish(store, manifest("20261207T150000Z", SYSID, "0/3000028"), key);
    BaseBackupCatalog.publish(store, manifest("20261207T150100Z", "1234567", "0/6000028"), key);
    Lsn durable = Lsn.parse("0/8000000");

    assertThat(chain.mendedBy(List.of(store), durable, NOW))
        .as("before the break, or of another cluster")
        .isEmpty();

    BaseBackupCatalog.publish(store, manifest("20261207T150200Z", SYSID, "0/6000028"), key);
    assertThat(chain.mendedBy(List.of(store), Lsn.parse("0/6100000"), NOW))
        .as("its WAL up to the stop (0/7000100) is not durable yet")
        .isEmpty();
    assertThat(chain.mendedBy(List.of(store), durable, NOW))
        .map(Manifest::id)
        .contains("20261207T150200Z");
  }

  @Test
  void aStoreThatIsDownIsPassedOverAndTheOtherStillMendsIt() {
    StoreLaneTests.Flaky down = new StoreLaneTests.Flaky("offsite", dir.resolve("down"));
    BackupStore up = BackupStore.filesystem("local", dir.resolve("up"));
    SigningKey key = SigningKey.create("lifeboat.signing.key-file", dir.resolve("signing.pem"));
    ChainBreak chain = new ChainBreak("app", SYSID, BREAK);
    down.down = true;

    assertThat(chain.mendedBy(List.of(down, up), Lsn.parse("0/8000000"), NOW)).isEmpty();

    BaseBackupCatalog.publish(up, manifest("20261207T150200Z", SYSID, "0/6000028"), key);
    assertThat(chain.mendedBy(List.of(down, up), Lsn.parse("0/8000000"), NOW))
        .map(Manifest::id)
        .contains("20261207T150200Z");
  }

  /** One timeline, 1 MB segments, stop a segment after the start. */
  private static Manifest manifest(String id, String system, String start) {
    String stop = Lsn.parse(start).plus(1024 * 1024 + 0xd8).toString();
    return new Manifest(
        id,
        "app",
        null,
        Manifest.KIND,
        NOW.minusSeconds(60),
        NOW.minusSeconds(30),
        Manifest.FORMAT,
        1234,
        "ab".repeat(32),
        99999,
        system,
        1024 * 1024,
        1,
        start,
        start,
        1,
        stop,
        "x",
        "y",
        List.of(new WalRange(1, start, stop)),
        "15.18",
        "15.18",
        "test",
        null,
        false);
  }
}
