package dev.lifeboat.datamigrate;

import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.Jobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

/**
 * Where the migration stands once its job ended, whichever way (completed, paused, cancelled,
 * stopped, failed): recorded in the target and as the run's result, and its lock released. A
 * failure to tell goes to the door with the execution's failures (see {@link DataMigrate}).
 */
record FinishListener(DataMigrations migrations, Jobs jobs) implements JobExecutionListener {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  @Override
  public void afterJob(JobExecution job) {
    DataMigrateRequest request = jobs.request(job, DataMigrateRequest.class);
    try {
      jobs.record(job, migrations.end(request.name(), job));
    } catch (RuntimeException e) {
      log.warn("data migration '{}' ended without a result: {}", request.name(), e.getMessage());
      job.addFailureException(e);
    }
  }
}
