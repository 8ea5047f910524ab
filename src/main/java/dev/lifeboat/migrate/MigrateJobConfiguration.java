package dev.lifeboat.migrate;

import dev.lifeboat.base.Json;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The migrate job: one step, {@code apply}, that applies the pending migrations of the target (the
 * job parameter) and leaves its {@link MigrateResult} as the execution's {@code result}, which
 * {@code history} and {@code migrate status --json} read back.
 */
@Configuration(proxyBeanMethods = false)
class MigrateJobConfiguration {

  static final String NAME = dev.lifeboat.run.VerbName.MIGRATE.word();
  static final String TARGET = "target";
  static final String STARTED_AT = "startedAt";
  static final String RESULT = "result";
  static final String SAFE = "safe";
  static final String RESTORE_ON_FAILURE = "restoreOnFailure";

  private static final Logger log = LoggerFactory.getLogger("lifeboat.migrate");

  @Bean
  Job migrateBatchJob(
      JobRepository jobRepository,
      Step migrateApplyStep,
      MigrationMetrics migrationMetrics,
      LocalExecutions localExecutions) {
    return new JobBuilder(NAME, jobRepository)
        .listener(localExecutions)
        .listener(new Listener(migrationMetrics, jobRepository))
        .start(migrateApplyStep)
        .build();
  }

  @Bean
  Step migrateApplyStep(
      JobRepository repo,
      Targets targets,
      Migrations migrations,
      SafeApply safeApply,
      dev.lifeboat.progress.Progress progress) {
    java.util.function.Consumer<String> say =
        text -> {
          log.info(text);
          progress.note(text);
        };
    return new StepBuilder("apply", repo)
        .tasklet(
            (contribution, chunk) -> {
              JobExecution job = contribution.getStepExecution().getJobExecution();
              Target target = targets.resolve(job.getJobParameters().getString(TARGET));
              var p = job.getJobParameters();
              MigrateResult result =
                  Boolean.parseBoolean(p.getString(SAFE))
                      ? safeApply.apply(
                          target,
                          Boolean.parseBoolean(p.getString(RESTORE_ON_FAILURE)),
                          dev.lifeboat.run.Trigger.of(
                              p.getString(dev.lifeboat.run.Trigger.PARAMETER)),
                          say)
                      : migrations.apply(target, say);
              result = result.withExecution(job.getId());
              job.getExecutionContext().putString(RESULT, Json.write(result));
              if (!result.ok()) {
                throw new MigrationException(result.error());
              }
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  static MigrateResult result(JobExecution job) {
    ExecutionContext ctx = job.getExecutionContext();
    return ctx.containsKey(RESULT) ? Json.read(ctx.getString(RESULT), MigrateResult.class) : null;
  }

  /**
   * Records the result for history and the pending gauge (the run counter is JobMetrics', through
   * LocalExecutions).
   */
  private static final class Listener implements JobExecutionListener {
    private final MigrationMetrics migrationMetrics;
    private final JobRepository repository;

    Listener(MigrationMetrics migrationMetrics, JobRepository repository) {
      this.migrationMetrics = migrationMetrics;
      this.repository = repository;
    }

    @Override
    public void afterJob(JobExecution job) {
      String target = job.getJobParameters().getString(TARGET);
      MigrateResult result = result(job);
      if (result == null) {
        String why =
            job.getAllFailureExceptions().stream()
                .map(Throwable::getMessage)
                .findFirst()
                .orElse("the migrate job ended " + job.getStatus());
        result =
            MigrateResult.of(MigrateResult.Status.FAILED, target, List.of(), null, -1, why)
                .withExecution(job.getId());
        job.getExecutionContext().putString(RESULT, Json.write(result));
        try {
          // Spring Batch saves no context changed after the job: the result is history's record
          repository.updateExecutionContext(job);
        } catch (RuntimeException e) {
          // the result still reaches the caller; only history lacks it
          log.warn(
              "could not record the result of migration run {} in the job history: {}",
              job.getId(),
              e.getMessage());
        }
      }
      if (result.pending() >= 0) {
        migrationMetrics.pending(target, result.pending());
      }
    }
  }
}
