package dev.lifeboat.restore;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgErrors;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The last act of a restore: the staging database takes the destination's name. Every failure says
 * which databases exist afterwards and where the data is.
 */
final class Swap {

  private Swap() {}

  /**
   * Renames the staging database into place. The destination's previous data moves to {@code
   * <db>_lbold}, unmarked, and is marked (then dropped) only once the restored data holds the
   * destination's name: a crash in between leaves it for the operator, never for a later DROP.
   */
  static void intoPlace(RestorePlan plan) {
    String database = plan.into().database();
    String staging = plan.staging();
    String old = plan.old();
    try (PgDatabases server = PgDatabases.connect(plan.into())) {
      Optional<PgDatabases.Found> destination;
      String owner = null;
      try {
        destination = server.find(database);
        if (destination.isPresent()) {
          owner = server.owner(database).orElse(null);
          if (server.dropIfMarked(old, LifeboatDatabases.OLD) == PgDatabases.Drop.NOT_MARKED) {
            throw new SQLException("database '" + old + "' was created meanwhile by someone else");
          }
          server.rename(database, old);
        }
      } catch (SQLException e) {
        throw new RestoreException(
            "renaming '"
                + database
                + "' to '"
                + old
                + "' failed: "
                + PgErrors.firstLine(e.getMessage())
                + "; '"
                + database
                + "' is unchanged and the restored data is in '"
                + staging
                + "'"
                + keepStaging(server, plan)
                + "; rename it into place by hand once the sessions on '"
                + database
                + "' are closed, or drop it ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
      boolean replaced = destination.isPresent();
      try {
        server.rename(staging, database);
      } catch (SQLException e) {
        String putBack = replaced ? putBack(server, old, database) : null;
        throw new RestoreException(
            "renaming '"
                + staging
                + "' to '"
                + database
                + "' failed: "
                + PgErrors.firstLine(e.getMessage())
                + (!replaced
                    ? "; '" + database + "' was not created"
                    : putBack == null
                        ? "; '" + database + "' is unchanged (its data was renamed back)"
                        : "; '"
                            + database
                            + "' does not exist now: its previous data is in '"
                            + old
                            + "' (renaming it back failed: "
                            + putBack
                            + ")")
                + " and the restored data is in '"
                + staging
                + "'"
                + keepStaging(server, plan)
                + "; rename by hand ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
      try {
        // a rename keeps the comment: give back the destination's own, so no mark stays on it
        server.comment(database, destination.map(PgDatabases.Found::comment).orElse(null));
        if (owner != null) {
          server.setOwner(database, owner);
        }
        if (replaced) {
          server.mark(old, LifeboatDatabases.OLD, plan.run());
          server.dropIfMarked(old, LifeboatDatabases.OLD);
        }
      } catch (SQLException e) {
        throw new RestoreException(
            "the restored data is in place in '"
                + database
                + "' but finishing the swap failed: "
                + PgErrors.firstLine(e.getMessage())
                + (replaced
                    ? "; drop '" + old + "', which holds the previous data, by hand"
                    : "; check its owner and comment")
                + " ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
    } catch (SQLException e) {
      throw new RestoreException(
          "cannot connect to swap the restored data into place: "
              + PgErrors.firstLine(e.getMessage())
              + "; '"
              + database
              + "' is unchanged and the restored data is in '"
              + staging
              + "' (marked: the next restore into '"
              + database
              + "' drops it)",
          e);
    }
  }

  /** Renames the previous data back; null when done, else why not. */
  private static String putBack(PgDatabases server, String old, String database) {
    try {
      server.rename(old, database);
      return null;
    } catch (SQLException e) {
      return PgErrors.firstLine(e.getMessage());
    }
  }

  /**
   * The staging database holds a complete restore the operator is told about: take Lifeboat's mark
   * off it, so no later run drops it.
   */
  private static String keepStaging(PgDatabases server, RestorePlan plan) {
    try {
      server.comment(
          plan.staging(),
          "restored by Lifeboat run "
              + plan.run()
              + " from backup "
              + plan.backup().manifest().id()
              + ", kept after a failed rename; Lifeboat will not drop it");
      return ", which Lifeboat will not drop";
    } catch (SQLException e) {
      return " (still marked: the next restore into '" + plan.into().database() + "' drops it)";
    }
  }

  /** Which of {@code names} exist, read from the server now rather than assumed. */
  private static String stateOf(PgDatabases server, String... names) {
    List<String> parts = new ArrayList<>();
    for (String name : names) {
      try {
        parts.add("'" + name + "' " + (server.exists(name) ? "exists" : "does not exist"));
      } catch (SQLException e) {
        parts.add("'" + name + "' unknown");
      }
    }
    return "now " + String.join(", ", parts);
  }
}
