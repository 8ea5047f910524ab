package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.pg.DatabaseMark;
import dev.lifeboat.pg.PgDatabases;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeftoversTests {

  private static final String SCRATCH = Leftovers.scratchName("20260102T030405Z-AB12");

  private static PgDatabases.Named marked(String name, String kind) {
    return new PgDatabases.Named(name, new DatabaseMark(kind, "drill7", name).text());
  }

  @Test
  void theScratchNameIsTheBackupIdInLowerCaseWithUnderscores() {
    assertThat(SCRATCH).isEqualTo("lifeboat_drill_20260102t030405z_ab12");
  }

  @Test
  void aMarkedScratchDatabaseIsALeftoverAndIsDropped() {
    assertThat(
            Leftovers.decide(
                List.of(marked("lifeboat_drill_old", LifeboatDatabases.SCRATCH)), SCRATCH))
        .containsExactly(
            new Leftovers.Decision("lifeboat_drill_old", Leftovers.Action.DROP_LEFTOVER));
  }

  @Test
  void aDatabaseKeptByAnEarlierDrillOfThisBackupIsDroppedAndOthersKeptAreNotMentioned() {
    assertThat(
            Leftovers.decide(
                List.of(
                    marked("lifeboat_drill_other", LifeboatDatabases.KEPT),
                    marked(SCRATCH, LifeboatDatabases.KEPT)),
                SCRATCH))
        .containsExactly(new Leftovers.Decision(SCRATCH, Leftovers.Action.DROP_KEPT));
  }

  @Test
  void aDatabaseWithoutAMarkIsLeftAloneAndSaidSo() {
    List<Leftovers.Decision> d =
        Leftovers.decide(List.of(new PgDatabases.Named("lifeboat_drill_mine", null)), SCRATCH);
    assertThat(d)
        .containsExactly(new Leftovers.Decision("lifeboat_drill_mine", Leftovers.Action.LEAVE));
    assertThat(d.get(0).drops()).isFalse();
    assertThat(d.get(0).detail()).startsWith("left alone: Lifeboat did not create it");
  }

  @Test
  void aMarkThatNamesAnotherDatabaseDoesNotCount() {
    PgDatabases.Named renamed =
        new PgDatabases.Named(
            "lifeboat_drill_renamed",
            new DatabaseMark(LifeboatDatabases.SCRATCH, "drill7", "lifeboat_drill_old").text());
    assertThat(Leftovers.decide(List.of(renamed), SCRATCH))
        .extracting(Leftovers.Decision::action)
        .containsExactly(Leftovers.Action.LEAVE);
  }

  @Test
  void aDatabaseNotOursWithTheScratchNameIsRefusedAndNothingAfterItIsDecided() {
    List<Leftovers.Decision> d =
        Leftovers.decide(
            List.of(
                marked("lifeboat_drill_a", LifeboatDatabases.SCRATCH),
                new PgDatabases.Named(SCRATCH, "someone's"),
                marked("lifeboat_drill_z", LifeboatDatabases.SCRATCH)),
            SCRATCH);
    assertThat(d)
        .extracting(Leftovers.Decision::action)
        .containsExactly(Leftovers.Action.DROP_LEFTOVER, Leftovers.Action.REFUSE);
    assertThat(d.get(1).detail()).isEqualTo(Leftovers.notOurs(SCRATCH));
  }
}
