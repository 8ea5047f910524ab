package dev.lifeboat.backup;

import dev.lifeboat.Json;
import dev.lifeboat.config.Target;
import dev.lifeboat.metrics.LifeboatMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * Takes one backup of a target through the Spring Batch job, so a typed {@code lifeboat backup} and
 * a scheduled one run the same code and leave the same records.
 */
@Component
public final class BackupJob {

  static final String NAME = "backup";
  static final String TARGET = "target";
  static final String ID = "id";
  static final String LABEL = "label";
  static final String STARTED_AT = "startedAt";

  private final JobOperator jobOperator;
  private final Job backupJob;
  private final BackupCatalog catalog;
  private final Clock clock;
  private final LifeboatMetrics metrics;

  BackupJob(
      JobOperator jobOperator,
      Job backupBatchJob,
      BackupCatalog catalog,
      Clock clock,
      LifeboatMetrics metrics) {
    this.metrics = metrics;
    this.jobOperator = jobOperator;
    this.backupJob = backupBatchJob;
    this.catalog = catalog;
    this.clock = clock;
  }

  public BackupResult run(Target target, String label) {
    BackupResult result = execute(target, label);
    String outcome =
        switch (result.status()) {
          case BackupResult.COMPLETE -> "success";
          case BackupResult.PARTIAL -> "partial";
          default -> "failed";
        };
    metrics.jobRun(NAME, target.name(), outcome);
    result.stores().stream().filter(s -> !s.isOk()).forEach(s -> metrics.uploadFailed(s.store()));
    if (result.manifest() != null) {
      Manifest m = result.manifest();
      metrics.backupFinished(
          target.name(),
          outcome,
          java.time.Duration.between(m.startedAt(), m.completedAt()),
          m.completedAt(),
          m.sizeBytes());
    }
    return result;
  }

  private BackupResult execute(Target target, String label) {
    Instant startedAt = clock.instant();
    Set<String> taken = catalog.idsInUse(target);
    String id = BackupId.next(startedAt, taken);
    JobParameters parameters =
        new JobParametersBuilder()
            .addString(TARGET, target.name())
            .addString(ID, id)
            .addString(LABEL, label == null ? "" : label, false)
            .addString(STARTED_AT, startedAt.toString(), false)
            .toJobParameters();
    JobExecution execution;
    try {
      execution = jobOperator.start(backupJob, parameters);
    } catch (Exception e) {
      throw new BackupException("could not start the backup job: " + e.getMessage(), e);
    }
    String result = execution.getExecutionContext().getString(BackupJobConfiguration.RESULT, null);
    if (result != null) {
      return Json.read(result, BackupResult.class);
    }
    String error =
        execution.getAllFailureExceptions().stream()
            .map(BackupJob::rootMessage)
            .findFirst()
            .orElse("the backup job ended " + execution.getStatus());
    return new BackupResult(id, target.name(), label, BackupResult.FAILED, null, List.of(), error);
  }

  private static String rootMessage(Throwable t) {
    Throwable cur = t;
    while (!(cur instanceof BackupException) && cur.getCause() != null) {
      cur = cur.getCause();
    }
    Throwable chosen = cur instanceof BackupException ? cur : t;
    return chosen.getMessage() == null ? chosen.getClass().getSimpleName() : chosen.getMessage();
  }
}
