package dev.lifeboat.schedule;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.History;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.RunObserver;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Targets;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat_backup_verified_last_success_timestamp_seconds{target}}: after a passed drill,
 * the newest backup the stores' verified marks prove good (read back at serve start too).
 */
@Component
final class VerifiedMetrics implements RunObserver {

  private final LifeboatConfig config;
  private final Targets targets;
  private final BackupCatalog catalog;
  private final LifeboatMetrics metrics;

  VerifiedMetrics(
      LifeboatConfig config, Targets targets, BackupCatalog catalog, LifeboatMetrics metrics) {
    this.config = config;
    this.targets = targets;
    this.catalog = catalog;
    this.metrics = metrics;
  }

  @Override
  public void finished(JobExecution execution, History.Entry run) {
    if (!VerbName.DRILL.is(run.job())
        || !Outcome.SUCCESS.word().equals(run.outcome())
        || run.target() == null) {
      return;
    }
    catalog
        .list(targets.resolve(run.target()))
        .newestVerified()
        .ifPresent(e -> metrics.backupVerified(run.target(), e.manifest().completedAt()));
  }
}
