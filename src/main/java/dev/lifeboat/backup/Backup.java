package dev.lifeboat.backup;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The backup verb on the {@link Door}: a typed {@code lifeboat backup}, a scheduled one and the
 * backups other verbs compose (restore's safety backup, a safe migration's) run the same job and
 * leave the same records: the id, the job-repository record (with trigger and node), the metrics.
 */
@Component
final class Backup extends Verb<BackupRequest, BackupResult> {

  /** The identifying parameter older versions, history and notifications read the id from. */
  static final String ID = "id";

  private final BackupCatalog catalog;
  private final Clock clock;
  private final LifeboatMetrics metrics;
  private final Keys keys;
  private final ManifestSignatures signatures;

  Backup(
      Job backupBatchJob,
      BackupCatalog catalog,
      Clock clock,
      LifeboatMetrics metrics,
      Keys keys,
      ManifestSignatures signatures) {
    super(VerbName.BACKUP, BackupRequest.class, BackupResult.class, backupBatchJob);
    this.catalog = catalog;
    this.clock = clock;
    this.metrics = metrics;
    this.keys = keys;
    this.signatures = signatures;
  }

  /** A scheduled backup: no label. */
  @Override
  public BackupRequest scheduled(String target) {
    return new BackupRequest(target, null);
  }

  /**
   * Refusals before anything is dumped or recorded (exit 2): a target that must be encrypted and is
   * not, a signing key that cannot be read (or made). Then the backup's id, named after now.
   */
  @Override
  public BackupRequest prepare(BackupRequest request, Target target) {
    keys.requireEncryption(target.name(), target.stores());
    signatures.signingKey();
    Instant startedAt = clock.instant();
    return request.named(catalog.nextId(target, startedAt), startedAt);
  }

  /** A backup job instance is its target and id, as before the door. */
  @Override
  public Map<String, String> identifying(BackupRequest request, Instant startedAt) {
    return Map.of(ID, request.id());
  }

  @Override
  public BackupResult unfinished(BackupRequest request, JobExecution execution) {
    Ending ending = ending(execution, Backup::rootMessage);
    return new BackupResult(
        request.id(),
        request.target(),
        request.label(),
        BackupResult.Status.of(ending.outcome()),
        null,
        List.of(),
        ending.error());
  }

  /** The backup's own meters; runs, running and last run of every job are LocalExecutions'. */
  @Override
  public void ended(BackupRequest request, BackupResult result) {
    result.stores().stream().filter(s -> !s.ok()).forEach(s -> metrics.uploadFailed(s.store()));
    if (result.outcome() != Outcome.SKIPPED) {
      Manifest m = result.manifest();
      Instant ended = m == null ? clock.instant() : m.completedAt();
      metrics.backupFinished(
          request.target(),
          result.outcome().word(),
          Duration.between(m == null ? request.startedAt() : m.startedAt(), ended),
          ended,
          m == null ? null : m.sizeBytes());
    }
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
