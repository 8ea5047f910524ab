package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduledRunTests {

  /** A door that only has a name (anonymous: the classpath scans for verbs do not see it). */
  static Schedulable named(VerbName name) {
    return new Schedulable() {
      @Override
      public VerbName name() {
        return name;
      }

      @Override
      public Schedulable.Run run(Target target, Trigger trigger) {
        throw new AssertionError("not run in these tests");
      }
    };
  }

  @Test
  void aVerbThisNodeDoesNotKnowIsAFailedRunThatSaysSoNotANullPointer() {
    ScheduledRun scheduled =
        new ScheduledRun(
            Map.of("backup", named(VerbName.BACKUP), "prune", named(VerbName.PRUNE)), null);

    Schedulable.Run run = scheduled.run("basebackup", "app");

    assertThat(run.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(run.error())
        .contains("this node cannot run 'basebackup'")
        .contains("known: backup, prune")
        .contains("run the same Lifeboat version on every node")
        .doesNotContain("NullPointerException");
  }
}
