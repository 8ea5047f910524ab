package dev.lifeboat.drill;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.pg.DatabaseMark;
import dev.lifeboat.pg.PgDatabases;
import java.util.ArrayList;
import java.util.List;

/**
 * What a drill does with the databases named like its scratch databases that it finds on its
 * server, decided before it touches any: under the drill lock a marked scratch database is a
 * leftover of a drill that did not finish, never one in use.
 */
final class Leftovers {

  static final String PREFIX = LifeboatDatabases.SCRATCH_PREFIX;

  /** What becomes of one database. */
  enum Action {
    /** Left by a drill that did not finish: dropped. */
    DROP_LEFTOVER,
    /** Kept by an earlier drill of this same backup: dropped, its name is needed. */
    DROP_KEPT,
    /** Not Lifeboat's, and it has the name this drill needs: the drill fails, it is left alone. */
    REFUSE,
    /** Not Lifeboat's: left alone, and said so. */
    LEAVE
  }

  record Decision(String database, Action action) {

    boolean drops() {
      return action == Action.DROP_LEFTOVER || action == Action.DROP_KEPT;
    }

    /** What the drill reports when it carried this out ({@code cleanup <database>}). */
    String detail() {
      return switch (action) {
        case DROP_KEPT -> "dropped the database kept by an earlier drill of this backup";
        case DROP_LEFTOVER ->
            "dropped a scratch database left behind by a drill that did not finish";
        case REFUSE -> notOurs(database);
        case LEAVE -> "left alone: Lifeboat did not create it (it carries no lifeboat mark)";
      };
    }
  }

  private Leftovers() {}

  /** The scratch database a drill of {@code backupId} restores into. */
  static String scratchName(String backupId) {
    return PREFIX + backupId.toLowerCase().replace('-', '_');
  }

  /**
   * The decisions, in the order found, up to and including a refusal (the drill stops there);
   * databases another drill of another backup kept are not mentioned.
   */
  static List<Decision> decide(List<PgDatabases.Named> found, String scratch) {
    List<Decision> decisions = new ArrayList<>();
    for (PgDatabases.Named db : found) {
      boolean leftover = DatabaseMark.marks(db.comment(), db.name(), LifeboatDatabases.SCRATCH);
      boolean kept = DatabaseMark.marks(db.comment(), db.name(), LifeboatDatabases.KEPT);
      if (leftover || kept && db.name().equals(scratch)) {
        decisions.add(new Decision(db.name(), kept ? Action.DROP_KEPT : Action.DROP_LEFTOVER));
      } else if (db.name().equals(scratch)) {
        decisions.add(new Decision(db.name(), Action.REFUSE));
        return decisions;
      } else if (!kept) {
        decisions.add(new Decision(db.name(), Action.LEAVE));
      }
    }
    return decisions;
  }

  /** Why a database with the scratch name is refused; the drill's door says it first (exit 2). */
  static String notOurs(String scratch) {
    return "database '"
        + scratch
        + "' exists but Lifeboat did not create it (it carries no lifeboat mark) and this drill"
        + " needs that name for its scratch database; rename or drop it by hand, then drill again;"
        + " it was left alone";
  }
}
