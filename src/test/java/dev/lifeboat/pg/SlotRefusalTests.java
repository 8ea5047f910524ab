package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.ReplicationSlots.Reason;
import dev.lifeboat.pg.ReplicationSlots.SlotException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SlotRefusalTests {

  @Test
  void eachRefusalOfTheServerHasItsReason() {
    assertThat(SlotRefusal.reason("42501", "must be superuser or replication role"))
        .isEqualTo(Reason.NOT_ALLOWED);
    assertThat(SlotRefusal.reason("42704", "replication slot \"s\" does not exist"))
        .isEqualTo(Reason.MISSING);
    assertThat(SlotRefusal.reason("55006", "replication slot \"s\" is active for PID 4242"))
        .isEqualTo(Reason.IN_USE);
    assertThat(SlotRefusal.reason("55000", "replication slot \"s\" cannot be advanced"))
        .isEqualTo(Reason.LOST);
    assertThat(
            SlotRefusal.reason(
                "55000", "replication slots can only be used if max_replication_slots > 0"))
        .isEqualTo(Reason.FAILED);
    assertThat(SlotRefusal.reason("53400", "all replication slots are in use"))
        .isEqualTo(Reason.FAILED);
    assertThat(SlotRefusal.reason(null, "An I/O error occurred")).isEqualTo(Reason.FAILED);
  }

  @Test
  void theSentenceNamesOperationSlotTargetTheServersWordsAndTheFix() {
    SlotException e =
        SlotRefusal.of(
            new SQLException(
                "ERROR: replication slot \"lifeboat_app\" is active for PID 4242", "55006"),
            "drop",
            "lifeboat_app",
            "app");

    assertThat(e.reason()).isEqualTo(Reason.IN_USE);
    assertThat(e.getMessage())
        .isEqualTo(
            "target app: cannot drop replication slot lifeboat_app: replication slot"
                + " \"lifeboat_app\" is active for PID 4242; another client streams from it"
                + " (Lifeboat's pg_receivewal never uses it)");
  }
}
