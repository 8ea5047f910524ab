package dev.lifeboat.datamigrate;

import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.DataMigrationResult;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Instant;
import java.util.Map;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The data-migrate verb on the {@link Door}: {@code lifeboat data-migrate run|resume NAME}. Its
 * checks (the spec against the target, the migration's lock, its progress row, dead runs) come
 * before anything is recorded; the job's own listener records where the migration stands and
 * releases the lock. Not scheduled.
 */
@Component
final class DataMigrate extends Verb<DataMigrateRequest, DataMigrationResult> {

  private final DataMigrations migrations;
  private final Progress progress;

  DataMigrate(Job dataMigrateBatchJob, DataMigrations migrations, Progress progress) {
    super(
        VerbName.DATA_MIGRATE,
        DataMigrateRequest.class,
        DataMigrationResult.class,
        dataMigrateBatchJob);
    this.migrations = migrations;
    this.progress = progress;
  }

  /**
   * Refuses (exit 2) a spec the target cannot serve, a paused migration not resumed and a cancelled
   * one; another runner anywhere is a busy target. Holds the migration's lock until the job ends.
   */
  @Override
  public DataMigrateRequest prepare(DataMigrateRequest request, Target target) {
    return migrations.open(request, progress);
  }

  /** The job never started: the migration's lock is released, as a crashed runner's would be. */
  @Override
  public void abandoned(DataMigrateRequest request) {
    migrations.abandon(request.name());
  }

  /** A run is its target, the migration's name and the second it started, as before the door. */
  @Override
  public Map<String, String> identifying(DataMigrateRequest request, Instant startedAt) {
    return Map.of(
        DataMigrationJobConfiguration.NAME,
        request.name(),
        DataMigrationJobConfiguration.STARTED_AT,
        startedAt.toString());
  }

  /** The job's listener could not tell where the migration stands: its failure, exit 1. */
  @Override
  public DataMigrationResult unfinished(DataMigrateRequest request, JobExecution execution) {
    String what = "data migration '" + request.name() + "' on target '" + request.target() + "'";
    throw new DataMigrationException(Endings.failed(execution, what), null);
  }
}
