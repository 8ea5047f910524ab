package dev.lifeboat.drill;

import dev.lifeboat.Json;
import dev.lifeboat.backup.BackupCatalog;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.Target;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.restore.LifeboatDatabases;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
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
public final class Drill {

  private final JobOperator jobOperator;
  private final Job drillBatchJob;
  private final BackupCatalog catalog;
  private final Clock clock;

  Drill(JobOperator jobOperator, Job drillBatchJob, BackupCatalog catalog, Clock clock) {
    this.jobOperator = jobOperator;
    this.drillBatchJob = drillBatchJob;
    this.catalog = catalog;
    this.clock = clock;
  }

  /**
   * Refuses (exit 2) before the job starts when the scratch name is taken by a database not ours.
   */
  private static void refuseForeignScratch(Target target, String scratch) {
    try (PgDatabases server = PgDatabases.connect(DrillJobConfiguration.drillServer(target))) {
      if (server.find(scratch).isPresent()
          && !server.isMarked(scratch, LifeboatDatabases.SCRATCH)
          && !server.isMarked(scratch, LifeboatDatabases.KEPT)) {
        throw new ConfigException("drill", DrillJobConfiguration.notOurs(scratch));
      }
    } catch (SQLException e) {
      // the job itself reports an unreachable drill server as a failed check
    }
  }

  public DrillReport run(Target target, String backupIdOrLatest, boolean keep) {
    BackupCatalog.Entry entry =
        catalog.find(target, backupIdOrLatest == null ? "latest" : backupIdOrLatest);
    String id = entry.manifest().id();
    refuseForeignScratch(target, DrillJobConfiguration.scratchName(id));
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
                  .toJobParameters());
    } catch (Exception e) {
      throw new DrillException("could not start the drill job: " + e.getMessage(), e);
    }
    String report = execution.getExecutionContext().getString(DrillJobConfiguration.REPORT, null);
    if (report != null) {
      return Json.read(report, DrillReport.class);
    }
    String error =
        execution.getAllFailureExceptions().stream()
            .map(Throwable::getMessage)
            .findFirst()
            .orElse("the drill job ended " + execution.getStatus());
    return new DrillReport(
        DrillReport.FAILED,
        target.name(),
        id,
        DrillJobConfiguration.scratchName(id),
        false,
        null,
        null,
        null,
        List.of(DrillCheck.failed("drill", error)));
  }
}
