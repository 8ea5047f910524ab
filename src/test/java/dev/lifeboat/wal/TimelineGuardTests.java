package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.WalFiles.History;
import dev.lifeboat.wal.TimelineGuard.Decision;
import dev.lifeboat.wal.TimelineGuard.Recorded;
import dev.lifeboat.wal.TimelineGuard.Server;
import dev.lifeboat.wal.TimelineGuard.Verdict;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimelineGuardTests {

  private static final String ID = "7716579398738843286";
  private static final String OTHER_ID = "7716580000000000001";

  private static final History TL1 = History.of(1);
  private static final History TL2 =
      History.parse(2, "1\t0/3000000\tno recovery target specified\n");
  private static final History TL3 =
      History.parse(
          3, "1\t0/3000000\tno recovery target specified\n2\t0/50000A0\tafter failover\n");

  @Test
  void aPrefixThatRecordsNothingTakesTheServersCluster() {
    Verdict v = TimelineGuard.check("app", Optional.empty(), new Server(ID, TL1));

    assertThat(v.decision()).isEqualTo(Decision.FIRST_USE);
    assertThat(v.decision().refuses()).isFalse();
    assertThat(v.message()).startsWith("target app: ").contains(ID, "timeline 1");
    assertThat(v.newTimelines()).containsExactly(1L);
  }

  @Test
  void theSameClusterOnTheSameTimelineGoesOn() {
    Verdict v = check(new Recorded(ID, TL2), new Server(ID, TL2));

    assertThat(v.decision()).isEqualTo(Decision.ACCEPT);
    assertThat(v.message()).contains("timeline 2, the one the store holds");
    assertThat(v.newTimelines()).isEmpty();
  }

  @Test
  void aFailoverThatBranchedOffTheRecordedTimelineGoesOnWithItsNewTimelines() {
    Verdict fromOne = check(new Recorded(ID, TL1), new Server(ID, TL3));
    Verdict fromTwo = check(new Recorded(ID, TL2), new Server(ID, TL3));

    assertThat(fromOne.decision()).isEqualTo(Decision.ACCEPT);
    assertThat(fromOne.newTimelines()).containsExactly(2L, 3L);
    assertThat(fromTwo.decision()).isEqualTo(Decision.ACCEPT);
    assertThat(fromTwo.newTimelines()).containsExactly(3L);
    assertThat(fromTwo.message()).contains("timeline 3, which branched off timeline 2");
  }

  @Test
  void anotherClusterIsRefusedNamingBothIdentifiers() {
    Verdict v = check(new Recorded(ID, TL1), new Server(OTHER_ID, TL1));

    assertThat(v.decision()).isEqualTo(Decision.REFUSE_OTHER_CLUSTER);
    assertThat(v.decision().refuses()).isTrue();
    assertThat(v.message())
        .isEqualTo(
            "target app: refusing to archive WAL: the server is another cluster (system"
                + " identifier 7716580000000000001) than the one whose WAL the store holds"
                + " (7716579398738843286); point the target at the right server, or after a"
                + " deliberate rebuild run 'lifeboat wal adopt --target app'");
    assertThat(v.newTimelines()).isEmpty();
  }

  @Test
  void aCopyPromotedElsewhereOnTheSameTimelineNumberIsRefused() {
    // a restored test copy promoted at its own point: timeline 2 again, another switch point
    History elsewhere = History.parse(2, "1\t0/2800000\tno recovery target specified\n");

    Verdict v = check(new Recorded(ID, TL2), new Server(ID, elsewhere));

    assertThat(v.decision()).isEqualTo(Decision.REFUSE_FORKED_TIMELINE);
    assertThat(v.message())
        .startsWith("target app: refusing to archive WAL: the server's timeline 2 has another")
        .contains("timeline 2 the store holds", "lifeboat wal adopt --target app");
  }

  @Test
  void aLaterTimelineThatDidNotBranchOffTheRecordedOneIsRefused() {
    // timeline 3 came straight from timeline 1: the store's timeline 2 is not its past
    History skipsTwo = History.parse(3, "1\t0/3000000\tno recovery target specified\n");
    History otherSwitch =
        History.parse(3, "1\t0/3000000\tno recovery target specified\n2\t0/50000A0\tx\n");
    History twoBranchedElsewhere =
        History.parse(3, "1\t0/2000000\tno recovery target specified\n2\t0/50000A0\tx\n");

    assertThat(check(new Recorded(ID, TL2), new Server(ID, skipsTwo)).message())
        .contains("timeline 3 did not branch off timeline 2");
    assertThat(check(new Recorded(ID, TL2), new Server(ID, otherSwitch)).decision())
        .as("the reason column is free text and does not count")
        .isEqualTo(Decision.ACCEPT);
    assertThat(check(new Recorded(ID, TL2), new Server(ID, twoBranchedElsewhere)).decision())
        .isEqualTo(Decision.REFUSE_FORKED_TIMELINE);
  }

  @Test
  void anOlderTimelineIsRefused() {
    Verdict v = check(new Recorded(ID, TL2), new Server(ID, TL1));

    assertThat(v.decision()).isEqualTo(Decision.REFUSE_FORKED_TIMELINE);
    assertThat(v.message()).contains("timeline 1 is older than timeline 2 the store holds");
  }

  private static Verdict check(Recorded recorded, Server now) {
    return TimelineGuard.check("app", Optional.of(recorded), now);
  }
}
