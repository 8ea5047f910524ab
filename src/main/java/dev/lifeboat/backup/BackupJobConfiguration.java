package dev.lifeboat.backup;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.Node;
import dev.lifeboat.run.DeadRuns;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Instant;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The backup job: step {@code dump} streams pg_dump to every store and writes each store's manifest
 * as soon as that store's upload has committed; step {@code publish} decides complete, partial or
 * failed. Both record their results in the job's execution context. A backup job is never
 * restarted: one interrupted is marked failed by the next backup of its target.
 */
@Configuration(proxyBeanMethods = false)
class BackupJobConfiguration {

  static final String DUMPED = "dumped";
  static final String RESULT = "result";
  static final String GLOBALS = "globals";

  @Bean
  Job backupBatchJob(
      JobRepository jobRepository,
      Step backupGlobalsStep,
      Step backupDumpStep,
      Step backupPublishStep,
      LocalExecutions localExecutions) {
    return new JobBuilder(BackupJob.NAME, jobRepository)
        .listener(localExecutions)
        .start(backupGlobalsStep)
        .next(backupDumpStep)
        .next(backupPublishStep)
        .build();
  }

  @Bean
  Step backupDumpStep(
      JobRepository jobRepository,
      BackupDumper dumper,
      Targets targets,
      DeadRuns deadRuns,
      Node node) {
    return new StepBuilder("dump", jobRepository)
        .tasklet(
            StoppableWork.of(
                (contribution, stop) -> {
                  JobParameters p = contribution.getStepExecution().getJobParameters();
                  Target target = targets.resolve(p.getString(BackupJob.TARGET));
                  long self = contribution.getStepExecution().getJobExecution().getId();
                  BackupDumper.Dumped dumped =
                      dumper.dump(
                          target,
                          p.getString(BackupJob.ID),
                          p.getString(BackupJob.LABEL),
                          Instant.parse(p.getString(BackupJob.STARTED_AT)),
                          // holding the target's backup lock proves no other backup of it runs
                          () ->
                              deadRuns.markFailed(
                                  BackupJob.NAME,
                                  BackupJob.TARGET,
                                  target.name(),
                                  self,
                                  owner ->
                                      "the process running it died"
                                          + (owner == null ? "" : " on node " + owner)
                                          + "; found by node "
                                          + node.name()
                                          + " holding the target's backup lock; nothing of it"
                                          + " was listed"),
                          stop,
                          globals(contribution.getStepExecution()));
                  jobContext(contribution.getStepExecution()).putString(DUMPED, Json.write(dumped));
                  return RepeatStatus.FINISHED;
                }),
            StepTransactions.none())
        .build();
  }

  /**
   * The cluster's roles beside the dump (see {@link BackupGlobals}); before the dump names them.
   */
  @Bean
  Step backupGlobalsStep(JobRepository jobRepository, BackupGlobals globals, Targets targets) {
    return new StepBuilder("globals", jobRepository)
        .tasklet(
            (contribution, chunk) -> {
              JobParameters p = contribution.getStepExecution().getJobParameters();
              Target target = targets.resolve(p.getString(BackupJob.TARGET));
              BackupGlobals.Taken taken = globals.take(target, p.getString(BackupJob.ID));
              jobContext(contribution.getStepExecution()).putString(GLOBALS, Json.write(taken));
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  private static BackupGlobals.Taken globals(
      org.springframework.batch.core.step.StepExecution step) {
    ExecutionContext job = jobContext(step);
    return job.containsKey(GLOBALS)
        ? Json.read(job.getString(GLOBALS), BackupGlobals.Taken.class)
        : null;
  }

  /** The verdict over the stores ({@link BackupPublisher}). */
  @Bean
  Step backupPublishStep(JobRepository jobRepository, BackupPublisher publisher) {
    return new StepBuilder("publish", jobRepository)
        .tasklet(publisher, StepTransactions.none())
        .build();
  }

  private static ExecutionContext jobContext(
      org.springframework.batch.core.step.StepExecution step) {
    return step.getJobExecution().getExecutionContext();
  }
}
