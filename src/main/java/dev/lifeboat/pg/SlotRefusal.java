package dev.lifeboat.pg;

import dev.lifeboat.pg.ReplicationSlots.Reason;
import dev.lifeboat.pg.ReplicationSlots.SlotException;
import java.sql.SQLException;

/**
 * The server's refusals of a slot operation, by SQLSTATE, as one sentence: which operation, slot
 * and target, the server's own words, and what to do.
 */
final class SlotRefusal {

  static final String DUPLICATE = "42710";

  private static final String INSUFFICIENT_PRIVILEGE = "42501";
  private static final String UNDEFINED_OBJECT = "42704";
  private static final String OBJECT_IN_USE = "55006";
  // "cannot be advanced" (invalidated or never reserved), and wal_level/max_replication_slots
  private static final String NOT_IN_PREREQUISITE_STATE = "55000";

  private SlotRefusal() {}

  static SlotException of(SQLException e, String action, String slot, String target) {
    return of(e, action, slot, target, "");
  }

  static SlotException of(
      SQLException e, String action, String slot, String target, String detail) {
    String words = PgErrors.firstLine(e.getMessage()).replaceFirst("^ERROR: ", "");
    Reason reason = reason(e.getSQLState(), words);
    return new SlotException(
        reason, sentence(action, slot, target, detail, words) + hint(reason), e);
  }

  static SlotException missing(String action, String slot, String target, String detail) {
    return new SlotException(
        Reason.MISSING,
        sentence(action, slot, target, detail, "it does not exist") + hint(Reason.MISSING),
        null);
  }

  static Reason reason(String sqlState, String words) {
    if (INSUFFICIENT_PRIVILEGE.equals(sqlState)) {
      return Reason.NOT_ALLOWED;
    }
    if (UNDEFINED_OBJECT.equals(sqlState)) {
      return Reason.MISSING;
    }
    if (OBJECT_IN_USE.equals(sqlState)) {
      return Reason.IN_USE;
    }
    if (NOT_IN_PREREQUISITE_STATE.equals(sqlState) && words.contains("cannot be advanced")) {
      return Reason.LOST;
    }
    return Reason.FAILED;
  }

  private static String sentence(
      String action, String slot, String target, String detail, String words) {
    return "target "
        + target
        + ": cannot "
        + action
        + " replication slot "
        + slot
        + (detail.isEmpty() ? "" : " " + detail)
        + ": "
        + words;
  }

  private static String hint(Reason reason) {
    return switch (reason) {
      case NOT_ALLOWED ->
          "; the target's role needs the REPLICATION attribute (ALTER ROLE … REPLICATION)";
      case MISSING -> "; it was dropped or never created";
      case IN_USE -> "; another client streams from it (Lifeboat's pg_receivewal never uses it)";
      case LOST ->
          "; the server removed the WAL it held (max_slot_wal_keep_size reached, or it was never"
              + " reserved): drop and recreate it";
      case FAILED -> "";
    };
  }
}
