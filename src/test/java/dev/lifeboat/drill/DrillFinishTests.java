package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.archive.DrillCheck;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;

class DrillFinishTests {

  private static final DrillCheck OK = DrillCheck.passed("signature", "signed");

  @Test
  void aDrillThatFailedBeforeACheckOfItsOwnSaysWhy() {
    assertThat(
            DrillFinish.ending(
                List.of(OK), null, BatchStatus.FAILED, List.of("another drill is running")))
        .containsExactly(OK, DrillCheck.failed("drill", "another drill is running"));
  }

  @Test
  void withoutAFailureItSaysHowTheJobEnded() {
    assertThat(DrillFinish.ending(List.of(), null, BatchStatus.STOPPED, List.of()))
        .containsExactly(DrillCheck.failed("drill", "the drill job ended STOPPED"));
  }

  @Test
  void aFailedCheckIsReasonEnough() {
    DrillCheck bad = DrillCheck.failed("checksum", "mismatch");
    assertThat(DrillFinish.ending(List.of(bad), null, BatchStatus.FAILED, List.of("x")))
        .containsExactly(bad);
  }

  @Test
  void anUnreachableDrillServerIsAFailedCheckAndNothingMore() {
    assertThat(DrillFinish.ending(List.of(), "refused", BatchStatus.FAILED, List.of("cannot")))
        .containsExactly(DrillCheck.failed("drill server", "cannot connect: refused"));
  }

  @Test
  void aDrillPassesOnlyCompletedWithAtLeastOneCheckAndNoneFailed() {
    assertThat(DrillFinish.passed(true, List.of(OK))).isTrue();
    assertThat(DrillFinish.passed(true, List.of())).isFalse();
    assertThat(DrillFinish.passed(false, List.of(OK))).isFalse();
    assertThat(DrillFinish.passed(true, List.of(OK, DrillCheck.failed("rows", "1 != 2"))))
        .isFalse();
  }

  @Test
  void theScratchDatabaseGoesUnlessItPassedOrWasToBeKeptAfterCompleting() {
    assertThat(DrillFinish.dropsScratch(false, false, true)).isTrue();
    assertThat(DrillFinish.dropsScratch(true, false, false)).isTrue();
    assertThat(DrillFinish.dropsScratch(true, false, true)).isFalse();
    assertThat(DrillFinish.dropsScratch(true, true, false)).isFalse();
  }

  @Test
  void aDrillThatFailsIsAFailureNotAUsageError() {
    assertThat(new DrillException("the drill failed").exitCode()).isEqualTo(1);
  }
}
