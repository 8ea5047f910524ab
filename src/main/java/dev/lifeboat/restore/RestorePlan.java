package dev.lifeboat.restore;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.target.Target;
import java.util.List;

/**
 * What a restore will do, decided before anything is touched (STYLE rule 6): printed for the
 * operator, checked by tests, and the only input of {@link RestoreStep#execute}.
 *
 * @param stores the stores to read from, in the order they will be tried
 * @param intoExists whether the destination database exists already
 * @param userTables user tables in the destination now (0 for a new or empty database)
 * @param safetyBackupTarget where the pre-restore safety backup goes (null when none is needed)
 * @param staging the database the archive is restored into before it takes the destination's name
 * @param old the name the destination's previous data has during the swap
 * @param leftovers databases marked by an earlier restore that did not finish: dropped first
 * @param run this run's id, carried by the marks of the databases it creates
 * @param rolesToCreate the roles of the backup's globals missing on the server, created first
 * @param signature who signed the backup's manifest (or why it is used unsigned)
 */
record RestorePlan(
    Target target,
    BackupCatalog.Entry backup,
    List<String> stores,
    PgConnection into,
    boolean intoExists,
    int userTables,
    boolean clean,
    Target safetyBackupTarget,
    String staging,
    String old,
    List<String> leftovers,
    String run,
    ArchiveFetcher.SpoolSpace spool,
    PgTool pgRestore,
    int jobs,
    List<Roles.Role> rolesToCreate,
    ManifestSignatures.Verdict signature) {

  /** The plan as the lines the operator reads before confirming. */
  public List<String> describe() {
    var m = backup.manifest();
    String destination = "database '" + into.database() + "' on " + into.host() + ":" + into.port();
    String what =
        !intoExists
            ? destination + " (new: it will be created)"
            : userTables == 0
                ? destination + " (exists, empty: it will be replaced and its sessions ended)"
                : destination
                    + " (exists with "
                    + userTables
                    + " user tables: it will be REPLACED; a safety backup"
                    + " labelled pre-restore is taken first, under target '"
                    + safetyBackupTarget.name()
                    + "')";
    List<String> lines = new java.util.ArrayList<>();
    lines.add("restore plan:");
    lines.addAll(
        List.of(
            "  backup      "
                + m.id()
                + " of target '"
                + m.target()
                + "'"
                + (m.label() == null ? "" : " (label " + m.label() + ")")
                + ", completed "
                + m.completedAt()
                + ", "
                + m.tables().size()
                + " tables",
            "  signature   "
                + signature.describe()
                + (signature.signed()
                    ? ""
                    : " (used because of --allow-unsigned: its SQL runs as '" + into.user() + "')"),
            "  read from   "
                + String.join(", then ", stores)
                + " (SHA-256 checked before pg_restore sees a byte)",
            "  into        " + what,
            "  staging     restored first into '"
                + staging
                + "', renamed into place only when complete and"
                + " row counts match"
                + (intoExists
                    ? "; the replaced data is renamed to '" + old + "' for the swap, then dropped"
                    : ""),
            "  spool       "
                + spool.dir()
                + " (needs "
                + dev.lifeboat.progress.TerminalProgress.bytes(spool.neededBytes())
                + ", "
                + dev.lifeboat.progress.TerminalProgress.bytes(spool.freeBytes())
                + " free)",
            "  pg_restore  "
                + pgRestore.version()
                + " at "
                + pgRestore.path()
                + ", "
                + jobs
                + " parallel jobs"));
    if (rolesToCreate != null && !rolesToCreate.isEmpty()) {
      lines.add(
          "  roles       missing on this server, created from the backup's globals first"
              + " (--create-roles; existing roles are not altered):");
      for (Roles.Role role : rolesToCreate) {
        lines.add("                " + role.describe());
      }
    }
    for (String leftover : leftovers) {
      lines.add(
          "  leftover    '"
              + leftover
              + "' (marked by a Lifeboat restore that did not finish): it will be dropped");
    }
    return lines;
  }
}
