package dev.lifeboat.migrate;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.MigrateRequest;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The migrate verb on the {@link Door}: a typed {@code lifeboat migrate apply} and a scheduled one
 * run the same job, so every apply is in {@code history}.
 */
@Component
final class Migrate extends Verb<MigrateRequest, MigrateResult> {

  private final MigrationMetrics metrics;
  private final LifeboatConfig config;

  Migrate(Job migrateBatchJob, MigrationMetrics metrics, LifeboatConfig config) {
    super(VerbName.MIGRATE, MigrateRequest.class, MigrateResult.class, migrateBatchJob);
    this.metrics = metrics;
    this.config = config;
  }

  /** A scheduled apply: the same as {@code lifeboat migrate apply}, safe when it must be. */
  @Override
  public MigrateRequest scheduled(String target) {
    return new MigrateRequest(target, config.properties().migrations().requireSafe(), false);
  }

  /**
   * Refused (exit 2) before anything is recorded: an apply without {@code safe} when {@code
   * lifeboat.migrations.require-safe}.
   */
  @Override
  public MigrateRequest prepare(MigrateRequest request, Target target) {
    if (!request.safe() && config.properties().migrations().requireSafe()) {
      throw new ConfigException(
          "lifeboat.migrations.require-safe",
          "is true, so migrations are applied only with --safe (a verified backup first);"
              + " run lifeboat migrate apply --safe; nothing was changed");
    }
    return request;
  }

  @Override
  public MigrateResult unfinished(MigrateRequest request, JobExecution execution) {
    String why = Endings.firstMessage(execution);
    return MigrateResult.notApplied(MigrateResult.Status.FAILED, request.target(), -1, why)
        .withExecution(execution.getId());
  }

  /** The pending gauge, as the run left it. */
  @Override
  public void ended(MigrateRequest request, MigrateResult result) {
    if (result.pending() >= 0) {
      metrics.pending(request.target(), result.pending());
    }
  }
}
