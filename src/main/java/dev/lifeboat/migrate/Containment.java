package dev.lifeboat.migrate;

import dev.lifeboat.migrate.SqlScript.ClusterWide;
import java.util.ArrayList;
import java.util.List;

/**
 * How a rehearsal keeps a plan's cluster-wide statements (roles, database settings, grants on
 * databases) off the server: roles and databases belong to the whole server, not to the scratch
 * copy, so a committed rehearsal would leave them there. From the first migration holding one, the
 * rehearsal runs in one transaction that is rolled back at the end; a statement no rolled-back
 * transaction can undo is refused before anything is done.
 *
 * @param from the version from which the rehearsal runs in one rolled-back transaction; null when
 *     no pending migration reaches beyond its database (each commits on the scratch copy, as now)
 * @param statements the cluster-wide statements that transaction holds, as {@code file line N:
 *     statement}
 */
record Containment(String from, List<String> statements) {

  static final Containment NONE = new Containment(null, List.of());

  /** Decides for {@code plan}; throws (exit 2) when a statement cannot be contained. */
  static Containment decide(List<RehearsalReport.Planned> plan) {
    String from = null;
    String firstAt = null;
    List<String> statements = new ArrayList<>();
    for (RehearsalReport.Planned p : plan) {
      List<ClusterWide> found = SqlScript.clusterWide(p.sql());
      for (ClusterWide c : found) {
        String at = p.script() + " line " + c.line() + ": " + c.statement();
        if (c.reach() == SqlScript.Reach.UNDOABLE) {
          throw MigrationException.refused(
              "migrate apply --dry-run refused: "
                  + at
                  + " acts on the whole server and cannot run inside a transaction, so a"
                  + " rehearsal could not undo it; nothing was rehearsed or changed. Review it and"
                  + " apply without --dry-run, or run it outside the migrations");
        }
        if (!p.inTransaction()) {
          throw MigrationException.refused(
              "migrate apply --dry-run refused: "
                  + at
                  + " acts on the whole server (roles, databases), and "
                  + p.script()
                  + " runs outside a transaction (executeInTransaction=false), so a rehearsal"
                  + " could not roll it back; nothing was rehearsed or changed. Move that"
                  + " statement into a migration that runs in a transaction");
        }
        statements.add(at);
        if (firstAt == null) {
          firstAt = at;
        }
      }
      if (from == null && !found.isEmpty()) {
        from = p.version();
      } else if (from != null && !p.inTransaction()) {
        throw MigrationException.refused(
            "migrate apply --dry-run refused: "
                + p.script()
                + " runs outside a transaction (executeInTransaction=false) after "
                + firstAt
                + ", which acts on the whole server: a rehearsal holds that in one transaction"
                + " it rolls back, and "
                + p.script()
                + " cannot run inside it; nothing was rehearsed or changed. Rehearse and apply"
                + " the migrations up to "
                + p.script()
                + " first (move it and the later files aside until then)");
      }
    }
    return from == null ? NONE : new Containment(from, List.copyOf(statements));
  }
}
