package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import org.junit.jupiter.api.Test;

class ScheduledRunTests {

  @Test
  void aVerbThisNodeDoesNotKnowIsAFailedRunThatSaysSoNotANullPointer() {
    // no door: a verb this node does not know never reaches it
    ScheduledRun scheduled = new ScheduledRun(null);

    Result run = scheduled.run("snapshot", "app");

    assertThat(run.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(run.error())
        .contains("this node cannot run 'snapshot'")
        .contains("known: backup, verify, drill, prune, migrate")
        .contains("run the same Lifeboat version on every node")
        .doesNotContain("NullPointerException");
  }

  @Test
  void aVerbNoScheduleMayNameIsRefusedTheSameWay() {
    Result run = new ScheduledRun(null).run("restore", "app");

    assertThat(run.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(run.error()).contains("this node cannot run 'restore'");
  }
}
