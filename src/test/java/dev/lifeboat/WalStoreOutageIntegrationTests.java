package dev.lifeboat;

import dev.lifeboat.wal.StoreOutageScenario;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store down for two minutes while pgbench writes gets its WAL backlog, and {@code verify --wal}
 * then finds no gap: {@link StoreOutageScenario} in the wal package. This class lives in the root
 * package only for the order of the suite: failsafe hands out test classes alphabetically, so a
 * class here starts first and its two idle minutes overlap the busy ones; in {@code wal/} it came
 * last and was the suite's tail.
 */
class WalStoreOutageIntegrationTests {

  @TempDir Path dir;

  @Test
  void anS3StoreKilledForTwoMinutesGetsItsBacklogAndVerifyThenFindsNoGap() throws Exception {
    new StoreOutageScenario(dir)
        .anS3StoreKilledForTwoMinutesGetsItsBacklogAndVerifyThenFindsNoGap();
  }
}
