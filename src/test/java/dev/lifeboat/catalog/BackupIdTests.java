package dev.lifeboat.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackupIdTests {

  private static final Instant T = Instant.parse("2026-11-25T02:00:00.734Z");

  @Test
  void anIdIsTheUtcStartTimeToTheSecond() {
    assertThat(BackupId.next(T, Set.of())).isEqualTo("20261125T020000Z");
  }

  @Test
  void aTakenIdGetsTheFirstFreeSuffix() {
    assertThat(BackupId.next(T, Set.of("20261125T020000Z", "20261125T020000Z-1")))
        .isEqualTo("20261125T020000Z-2");
  }

  @Test
  void onlyWellFormedIdsAreValid() {
    assertThat(BackupId.isValid("20261125T020000Z")).isTrue();
    assertThat(BackupId.isValid("20261125T020000Z-12")).isTrue();
    assertThat(BackupId.isValid("latest")).isFalse();
    assertThat(BackupId.isValid("../20261125T020000Z")).isFalse();
    assertThat(BackupId.isValid(null)).isFalse();
  }

  @Test
  void aBackupNobodyCanFindIsAUsageError() {
    assertThat(new BackupNotFoundException("no backup 'x' of target 'app'").exitCode())
        .isEqualTo(2);
  }
}
