package dev.lifeboat.datamigrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.DataMigrationResult;
import dev.lifeboat.run.DataMigrationResult.State;
import dev.lifeboat.run.Outcome;
import org.junit.jupiter.api.Test;

/** The state a run leaves, from what its job saw, and the exit code and outcome of each. */
class DataMigrationStateTests {

  @Test
  void theStateARunLeaves() {
    assertThat(DataMigrations.state("chunk failed", true, "pause")).isEqualTo(State.FAILED);
    assertThat(DataMigrations.state(null, true, "cancel")).isEqualTo(State.COMPLETED);
    assertThat(DataMigrations.state(null, false, "cancel")).isEqualTo(State.CANCELLED);
    assertThat(DataMigrations.state(null, false, "pause")).isEqualTo(State.PAUSED);
    assertThat(DataMigrations.state(null, false, null)).isEqualTo(State.STOPPED);
  }

  @Test
  void exitCodesStayAsTheyWereAndOnlyAFailureIsAFailedOutcome() {
    for (State s : State.values()) {
      DataMigrationResult r = new DataMigrationResult("m", "app", s, 0, 0, 0, 0, 0, null, null);
      assertThat(r.exitCode())
          .as(s.word())
          .isEqualTo(s == State.COMPLETED ? 0 : s == State.FAILED ? 1 : 3);
      assertThat(r.outcome())
          .as(s.word())
          .isEqualTo(s == State.FAILED ? Outcome.FAILED : Outcome.SUCCESS);
    }
  }
}
