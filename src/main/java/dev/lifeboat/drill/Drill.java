package dev.lifeboat.drill;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.Node;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * Proves a backup restores: runs the drill job for one backup (default: the latest complete one)
 * and returns its report. The same entry point serves {@code lifeboat drill} and the scheduler.
 */
@Component
public final class Drill implements Schedulable {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final JobOperator jobOperator;
  private final Job drillBatchJob;
  private final BackupCatalog catalog;
  private final Clock clock;
  private final Node node;
  private final ArchiveFetcher fetcher;
  private final ManifestSignatures signatures;

  Drill(
      JobOperator jobOperator,
      Job drillBatchJob,
      BackupCatalog catalog,
      Clock clock,
      Node node,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    this.signatures = signatures;
    this.node = node;
    this.fetcher = fetcher;
    this.jobOperator = jobOperator;
    this.drillBatchJob = drillBatchJob;
    this.catalog = catalog;
    this.clock = clock;
  }

  /**
   * Refuses (exit 2) before the job starts when the scratch name is taken by a database not ours.
   */
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

  /** How a drill ended, for the metrics, the log and the scheduler. */
  static Outcome outcome(JobExecution job, boolean passed) {
    if (passed) {
      return Outcome.SUCCESS;
    }
    if (job.getStatus() == BatchStatus.STOPPED) {
      return Outcome.STOPPED;
    }
    return TargetBusyException.among(job.getAllFailureExceptions())
        ? Outcome.SKIPPED
        : Outcome.FAILED;
  }

  @Override
  public VerbName name() {
    return VerbName.DRILL;
  }

  /**
   * A scheduled drill: the latest backup, scratch database dropped. A latest backup no trusted key
   * signed fails the drill (recorded, notified), rather than an older one being drilled instead.
   */
  @Override
  public Schedulable.Run run(Target target, Trigger trigger) {
    Ran ran = execute(target, "latest", false, false, trigger);
    DrillReport r = ran.report();
    String failed =
        String.join(
            "; ",
            r.checks().stream()
                .filter(c -> !c.ok())
                .map(c -> c.name() + ": " + c.detail())
                .toList());
    String summary =
        "backup "
            + r.backup()
            + (r.restoreSeconds() == null
                ? ""
                : String.format(java.util.Locale.ROOT, ", restore %.1fs", r.restoreSeconds()));
    return new Schedulable.Run(ran.outcome(), summary, failed.isEmpty() ? null : failed);
  }

  /** A drill typed on the command line. */
  public DrillReport run(Target target, String backupIdOrLatest, boolean keep) {
    return run(target, backupIdOrLatest, keep, false);
  }

  /**
   * A drill typed on the command line; a backup no trusted key signed is refused (exit 2) before
   * anything starts, unless {@code allowUnsigned} (then it is restored only as a role without
   * SUPERUSER, and never marked verified).
   */
  public DrillReport run(
      Target target, String backupIdOrLatest, boolean keep, boolean allowUnsigned) {
    return execute(target, backupIdOrLatest, keep, allowUnsigned, Trigger.CLI).report();
  }

  private record Ran(DrillReport report, Outcome outcome) {}

  private Ran execute(
      Target target,
      String backupIdOrLatest,
      boolean keep,
      boolean allowUnsigned,
      Trigger trigger) {
    BackupCatalog.Entry entry =
        catalog.find(target, backupIdOrLatest == null ? "latest" : backupIdOrLatest);
    String id = entry.manifest().id();
    if (trigger == Trigger.CLI) {
      // typed: refused here, exit 2; scheduled: the job's prepare step fails and is recorded
      signatures.require(target, entry, allowUnsigned);
    }
    refuseForeignScratch(target, Leftovers.scratchName(id));
    // a missing or wrong identity is a refusal before the scratch database exists
    fetcher.requireIdentity(target, entry);
    JobExecution execution;
    try {
      execution =
          jobOperator.start(
              drillBatchJob,
              new JobParametersBuilder()
                  .addString(DrillJobConfiguration.TARGET, target.name())
                  .addString(DrillJobConfiguration.BACKUP, id)
                  .addString(DrillJobConfiguration.STARTED_AT, clock.instant().toString())
                  .addString(DrillJobConfiguration.KEEP, String.valueOf(keep), false)
                  .addString(
                      DrillJobConfiguration.ALLOW_UNSIGNED, String.valueOf(allowUnsigned), false)
                  .addString(Trigger.PARAMETER, trigger.word(), false)
                  .addString(Trigger.NODE, node.name(), false)
                  .toJobParameters());
    } catch (Exception e) {
      throw new DrillException("could not start the drill job: " + e.getMessage(), e);
    }
    String report = execution.getExecutionContext().getString(DrillJobConfiguration.REPORT, null);
    if (report != null) {
      DrillReport r = Json.read(report, DrillReport.class);
      return new Ran(r, outcome(execution, r.passed()));
    }
    String error =
        execution.getAllFailureExceptions().stream()
            .map(Throwable::getMessage)
            .findFirst()
            .orElse("the drill job ended " + execution.getStatus());
    return new Ran(
        new DrillReport(
            DrillReport.Status.FAILED,
            target.name(),
            id,
            Leftovers.scratchName(id),
            false,
            null,
            null,
            null,
            List.of(DrillCheck.failed("drill", error))),
        outcome(execution, false));
  }
}
