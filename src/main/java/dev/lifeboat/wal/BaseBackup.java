package dev.lifeboat.wal;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The basebackup verb on the door (plan §4.1): {@code lifeboat basebackup} and a scheduled one run
 * the same job and leave the same records as a backup. Its id comes from the dumps' id space.
 */
@Component
final class BaseBackup extends Verb<BaseBackupRequest, BaseBackupResult> {

  static final String ID = "id";

  private final BackupCatalog catalog;
  private final LifeboatConfig config;
  private final Clock clock;
  private final Keys keys;
  private final ManifestSignatures signatures;

  BaseBackup(
      Job baseBackupBatchJob,
      BackupCatalog catalog,
      LifeboatConfig config,
      Clock clock,
      Keys keys,
      ManifestSignatures signatures) {
    super(VerbName.BASEBACKUP, BaseBackupRequest.class, BaseBackupResult.class, baseBackupBatchJob);
    this.catalog = catalog;
    this.config = config;
    this.clock = clock;
    this.keys = keys;
    this.signatures = signatures;
  }

  @Override
  public BaseBackupRequest scheduled(String target) {
    return new BaseBackupRequest(target, null);
  }

  /**
   * Refusals before anything is copied or recorded (exit 2): WAL archiving off for the target (a
   * base backup is restorable only with its WAL), encryption required and missing, a signing key
   * that cannot be read. Then the id, named after now.
   */
  @Override
  public BaseBackupRequest prepare(BaseBackupRequest request, Target target) {
    LifeboatProperties.TargetProperties settings = config.targetSettings(target.name());
    LifeboatProperties.Wal wal = settings == null ? null : settings.wal();
    if (wal == null || !wal.enabled()) {
      throw new ConfigException(
          "lifeboat.targets." + target.name() + ".wal.enabled",
          "basebackup of target '"
              + target.name()
              + "' needs lifeboat.targets."
              + target.name()
              + ".wal.enabled: true; a base backup is restorable only with its WAL");
    }
    keys.requireEncryption(target.name(), target.stores());
    signatures.signingKey();
    Instant startedAt = clock.instant();
    return request.named(catalog.nextId(target, startedAt), startedAt);
  }

  @Override
  public Map<String, String> identifying(BaseBackupRequest request, Instant startedAt) {
    return Map.of(ID, request.id());
  }

  @Override
  public BaseBackupResult unfinished(BaseBackupRequest request, JobExecution execution) {
    Ending ending =
        ending(
            execution, t -> t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    return new BaseBackupResult(
        request.id(),
        request.target(),
        request.label(),
        ending.outcome(),
        null,
        List.of(),
        ending.error());
  }
}
