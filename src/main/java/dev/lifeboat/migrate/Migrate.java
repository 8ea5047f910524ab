package dev.lifeboat.migrate;

import dev.lifeboat.config.Node;
import dev.lifeboat.run.History;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * The door of versioned migrations: {@link #status} reads where a target stands, {@link #apply}
 * runs the migrate job (so every apply is in {@code history}). The command line and the scheduler
 * call the same methods.
 */
@Component
public final class Migrate implements Schedulable {

  private final JobOperator jobOperator;
  private final Job migrateBatchJob;
  private final Migrations migrations;
  private final MigrationMetrics metrics;
  private final History history;
  private final Clock clock;
  private final Node node;
  private final dev.lifeboat.config.LifeboatConfig config;

  Migrate(
      JobOperator jobOperator,
      Job migrateBatchJob,
      Migrations migrations,
      MigrationMetrics metrics,
      History history,
      Clock clock,
      Node node,
      dev.lifeboat.config.LifeboatConfig config) {
    this.config = config;
    this.jobOperator = jobOperator;
    this.migrateBatchJob = migrateBatchJob;
    this.migrations = migrations;
    this.metrics = metrics;
    this.history = history;
    this.clock = clock;
    this.node = node;
  }

  @Override
  public VerbName name() {
    return VerbName.MIGRATE;
  }

  /** A scheduled apply: the same as {@code lifeboat migrate apply}. */
  @Override
  public Schedulable.Run run(Target target, Trigger trigger) {
    boolean safe = config.properties().migrations().requireSafe();
    MigrateResult r = apply(target, trigger, safe, false);
    String summary =
        r.status().word()
            + (r.migrations().isEmpty()
                ? ""
                : " "
                    + r.migrations().stream()
                        .map(MigrateResult.Step::version)
                        .collect(Collectors.joining(", ", "[", "]")));
    return new Schedulable.Run(r.ok() ? Outcome.SUCCESS : Outcome.FAILED, summary, r.error());
  }

  /** Where the target's migrations stand; also sets {@code lifeboat_migrations_pending}. */
  public MigrationStatus status(Target target) {
    MigrationStatus s = migrations.status(target);
    metrics.pending(target.name(), s.pending().size());
    return s;
  }

  /** The audit trail: the newest migrate runs of the target. */
  public List<History.Entry> runs(Target target, int limit) {
    return history.list(target.name(), MigrateJobConfiguration.NAME, limit);
  }

  /**
   * Applies through the migrate job; {@code safe} wraps it in verified pre- and post-migration
   * backups and post-checks, {@code restoreOnFailure} restores the pre-migration backup when it
   * fails. Refused (exit 2) without {@code safe} when {@code lifeboat.migrations.require-safe}.
   */
  public MigrateResult apply(
      Target target, Trigger trigger, boolean safe, boolean restoreOnFailure) {
    if (!safe && config.properties().migrations().requireSafe()) {
      throw new dev.lifeboat.config.ConfigException(
          "lifeboat.migrations.require-safe",
          "is true, so migrations are applied only with --safe (a verified backup first);"
              + " run lifeboat migrate apply --safe; nothing was changed");
    }
    JobExecution execution;
    try {
      execution =
          jobOperator.start(
              migrateBatchJob,
              new JobParametersBuilder()
                  .addString(MigrateJobConfiguration.TARGET, target.name())
                  .addString(MigrateJobConfiguration.STARTED_AT, clock.instant().toString())
                  .addString(MigrateJobConfiguration.SAFE, String.valueOf(safe), false)
                  .addString(
                      MigrateJobConfiguration.RESTORE_ON_FAILURE,
                      String.valueOf(restoreOnFailure),
                      false)
                  .addString(Trigger.PARAMETER, trigger.word(), false)
                  .addString(Trigger.NODE, node.name(), false)
                  .toJobParameters());
    } catch (Exception e) {
      throw new MigrationException("could not start the migrate job: " + e.getMessage(), e);
    }
    MigrateResult result = MigrateJobConfiguration.result(execution);
    if (result == null) {
      throw new MigrationException("the migrate job ended " + execution.getStatus());
    }
    return result;
  }
}
