package dev.lifeboat.drill;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.run.DrillReport;
import dev.lifeboat.run.DrillRequest;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The door of {@code drill}: proves a backup restores (default: the latest complete one) through
 * the drill job. Typed ({@code lifeboat drill}, the rehearsal of {@code migrate}) or scheduled, it
 * goes through the {@link Door}.
 */
@Component
final class Drill extends Verb<DrillRequest, DrillReport> {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final BackupCatalog catalog;
  private final ArchiveFetcher fetcher;
  private final ManifestSignatures signatures;

  Drill(
      Job drillBatchJob,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    super(VerbName.DRILL, DrillRequest.class, DrillReport.class, drillBatchJob);
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.signatures = signatures;
  }

  /**
   * A scheduled drill: the latest backup, scratch database dropped. A latest backup no trusted key
   * signed fails the drill (recorded, notified), rather than an older one being drilled instead.
   */
  @Override
  public DrillRequest scheduled(String target) {
    return DrillRequest.scheduled(target);
  }

  /**
   * Refusals before anything is recorded (exit 2): a typed drill of a backup no trusted key signed
   * (unless allowed), a scratch name taken by a database not ours, a missing or wrong identity.
   * {@code latest} becomes the id it is now.
   */
  @Override
  public DrillRequest prepare(DrillRequest request, Target target) {
    BackupCatalog.Entry entry = catalog.find(target, request.backup());
    if (request.unsigned() != DrillRequest.Unsigned.FAILS) {
      signatures.require(target, entry, request.unsigned() == DrillRequest.Unsigned.ALLOWED);
    }
    String id = entry.manifest().id();
    refuseForeignScratch(target, Leftovers.scratchName(id));
    fetcher.requireIdentity(target, entry);
    return request.of(id);
  }

  @Override
  public DrillReport settle(DrillRequest request, DrillReport report, JobExecution execution) {
    return report.endedAs(outcome(execution, report.passed()));
  }

  /** A run that left no report: it failed before its lock was even tried. */
  @Override
  public DrillReport unfinished(DrillRequest request, JobExecution execution) {
    return new DrillReport(
        DrillCheck.Status.FAILED,
        request.target(),
        request.backup(),
        Leftovers.scratchName(request.backup()),
        false,
        null,
        null,
        null,
        List.of(DrillCheck.failed("drill", Endings.firstMessage(execution))),
        outcome(execution, false));
  }

  /** How a drill ended, for the scheduler's log line. */
  static Outcome outcome(JobExecution job, boolean passed) {
    return passed ? Outcome.SUCCESS : Endings.outcome(job);
  }

  /** Refuses (exit 2) when the scratch name is taken by a database not ours. */
  private static void refuseForeignScratch(Target target, String scratch) {
    try (PgDatabases server = PgDatabases.connect(target.drillServer())) {
      if (server.find(scratch).isPresent()
          && !server.isMarked(scratch, LifeboatDatabases.SCRATCH)
          && !server.isMarked(scratch, LifeboatDatabases.KEPT)) {
        throw new ConfigException("drill", Leftovers.notOurs(scratch));
      }
    } catch (SQLException e) {
      // the job itself reports an unreachable drill server as a failed check
      log.debug("could not look for {} before the drill: {}", scratch, e.getMessage());
    }
  }
}
