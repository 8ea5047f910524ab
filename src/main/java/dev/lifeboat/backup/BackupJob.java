package dev.lifeboat.backup;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * The door of the backup verb: takes one backup of a target through the Spring Batch job, so a
 * typed {@code lifeboat backup}, a scheduled one and a restore's safety backup run the same code
 * and leave the same records: the id, the job-repository record (with trigger and node), the
 * metrics.
 */
@Component
public final class BackupJob implements Schedulable {

  static final String NAME = VerbName.BACKUP.word();
  static final String TARGET = "target";
  static final String ID = "id";
  static final String LABEL = "label";
  static final String STARTED_AT = "startedAt";

  private final JobOperator jobOperator;
  private final Job backupJob;
  private final BackupCatalog catalog;
  private final Clock clock;
  private final LifeboatMetrics metrics;
  private final Node node;
  private final Keys keys;
  private final ManifestSignatures signatures;

  BackupJob(
      JobOperator jobOperator,
      Job backupBatchJob,
      BackupCatalog catalog,
      Clock clock,
      LifeboatMetrics metrics,
      Node node,
      Keys keys,
      ManifestSignatures signatures) {
    this.keys = keys;
    this.signatures = signatures;
    this.metrics = metrics;
    this.node = node;
    this.jobOperator = jobOperator;
    this.backupJob = backupBatchJob;
    this.catalog = catalog;
    this.clock = clock;
  }

  @Override
  public VerbName name() {
    return VerbName.BACKUP;
  }

  /** A scheduled backup: no label. */
  @Override
  public Schedulable.Run run(Target target, Trigger trigger) {
    BackupResult r = run(target, null, trigger);
    String summary =
        r.manifest() == null
            ? r.id()
            : r.id()
                + ", "
                + r.manifest().sizeBytes()
                + " bytes, stores "
                + r.stores().stream().map(s -> s.store() + (s.isOk() ? "" : " (failed)")).toList();
    return new Schedulable.Run(r.outcome(), summary, r.error());
  }

  /** A backup typed on the command line. */
  public BackupResult run(Target target, String label) {
    return run(target, label, Trigger.CLI);
  }

  public BackupResult run(Target target, String label, Trigger trigger) {
    Instant started = clock.instant();
    BackupResult result = execute(target, label, trigger);
    // runs, running and last run of every job are counted by LocalExecutions (metrics.JobMetrics)
    result.stores().stream().filter(s -> !s.isOk()).forEach(s -> metrics.uploadFailed(s.store()));
    if (result.outcome() != Outcome.SKIPPED) {
      Manifest m = result.manifest();
      Instant ended = m == null ? clock.instant() : m.completedAt();
      metrics.backupFinished(
          target.name(),
          result.outcome().word(),
          java.time.Duration.between(m == null ? started : m.startedAt(), ended),
          ended,
          m == null ? null : m.sizeBytes());
    }
    return result;
  }

  private BackupResult execute(Target target, String label, Trigger trigger) {
    keys.requireEncryption(target.name(), target.stores());
    // a signing key that cannot be read (or made) is exit 2 before anything is dumped
    signatures.signingKey();
    Instant startedAt = clock.instant();
    String id = catalog.nextId(target, startedAt);
    JobParameters parameters =
        new JobParametersBuilder()
            .addString(TARGET, target.name())
            .addString(ID, id)
            .addString(LABEL, label == null ? "" : label, false)
            .addString(STARTED_AT, startedAt.toString(), false)
            .addString(Trigger.PARAMETER, trigger.word(), false)
            .addString(Trigger.NODE, node.name(), false)
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
    BackupResult.Status status = BackupResult.Status.FAILED;
    if (execution.getStatus() == BatchStatus.STOPPED) {
      status = BackupResult.Status.STOPPED;
      error = "stopped on request; nothing of it is listed";
    } else if (TargetBusyException.among(execution.getAllFailureExceptions())) {
      status = BackupResult.Status.SKIPPED;
    }
    return new BackupResult(id, target.name(), label, status, null, List.of(), error);
  }

  private static String rootMessage(Throwable t) {
    Throwable cur = t;
    while (!(cur instanceof BackupException || cur instanceof TargetBusyException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    Throwable chosen =
        cur instanceof BackupException || cur instanceof TargetBusyException ? cur : t;
    return chosen.getMessage() == null ? chosen.getClass().getSimpleName() : chosen.getMessage();
  }
}
