package dev.lifeboat.drill;

import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.target.Target;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step {@code prepare}: clears what crashed drills left on the drill server, checks the backup's
 * signature, fetches and checks the archive.
 */
final class PrepareStep implements Tasklet {

  private final DrillSessions sessions;
  private final BackupCatalog catalog;
  private final ArchiveFetcher fetcher;
  private final ManifestSignatures signatures;

  PrepareStep(
      DrillSessions sessions,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    this.sessions = sessions;
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.signatures = signatures;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
    DrillSession drill = sessions.of(contribution);
    PgDatabases server = drill.server();
    clearLeftovers(drill, server);
    long started = System.nanoTime();
    Target target = drill.target();
    BackupCatalog.Entry entry = catalog.find(target, drill.backup());
    // typed drills were refused before the job; a scheduled one fails here, recorded
    ManifestSignatures.Verdict signature = signatures.check(target, entry);
    if (!signature.signed()
        && !(drill.allowUnsigned() && signature.status() != ManifestSignatures.Status.INVALID)) {
      drill.check(DrillCheck.failed("signature", signature.refusal()));
      throw signature.refused();
    }
    drill.check(
        DrillCheck.passed(
            "signature",
            signature.signed()
                ? signature.describe()
                : signature.describe()
                    + "; drilled because of --allow-unsigned: restored only as a role without"
                    + " SUPERUSER, and not marked verified"));
    drill.signed(signature.signed());
    ArchiveFetcher.Fetched fetched;
    try {
      fetched = fetcher.fetch(target, entry);
    } catch (ArchiveException e) {
      drill.check(DrillCheck.failed(e.spool() ? "spool" : "checksum", e.getMessage()));
      throw e;
    }
    for (ArchiveFetcher.Attempt a : fetched.attempts()) {
      drill.check(
          a.status().equals("ok")
              ? DrillCheck.passed("checksum", "SHA-256 matches the manifest in store " + a.store())
              : DrillCheck.failed(
                  "checksum " + a.store(),
                  a.status() + ": " + a.detail() + " (the drill used another store)"));
    }
    // validate checks against this manifest without listing the stores again
    drill.fetched(
        entry.manifest(), fetched.archive(), fetched.store(), (System.nanoTime() - started) / 1e9);
    return RepeatStatus.FINISHED;
  }

  private static void clearLeftovers(DrillSession drill, PgDatabases server) throws Exception {
    String scratch = drill.scratch();
    for (Leftovers.Decision d : Leftovers.decide(server.withPrefix(Leftovers.PREFIX), scratch)) {
      if (d.action() == Leftovers.Action.REFUSE) {
        drill.check(DrillCheck.failed("cleanup " + d.database(), d.detail()));
        throw new DrillException(d.detail());
      }
      if (!d.drops()
          || server.dropIfMarked(d.database(), LifeboatDatabases.SCRATCH, LifeboatDatabases.KEPT)
              == PgDatabases.Drop.DROPPED) {
        drill.check(DrillCheck.passed("cleanup " + d.database(), d.detail()));
      }
    }
    List<String> leftoverRoles = Roles.dropDrillRoles(server.connection());
    if (!leftoverRoles.isEmpty()) {
      drill.check(
          DrillCheck.passed(
              "cleanup roles",
              "dropped roles left by a drill that did not finish: "
                  + String.join(", ", leftoverRoles)));
    }
  }
}
