package dev.lifeboat.drill;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Targets;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The drill job: {@code prepare} (clean up after crashed drills, fetch and verify the archive),
 * {@code restore} (into a fresh scratch database, timed), {@code validate}, {@code cleanup}; {@link
 * DrillFinish} holds the drill server's lock around them and reports after them.
 */
@Configuration(proxyBeanMethods = false)
class DrillJobConfiguration {

  @Bean
  Job drillBatchJob(
      JobRepository repository,
      LocalExecutions localExecutions,
      DrillFinish finish,
      Step drillPrepareStep,
      Step drillRestoreStep,
      Step drillValidateStep,
      Step drillCleanupStep) {
    return new JobBuilder(VerbName.DRILL.word(), repository)
        .listener(localExecutions)
        .listener(finish)
        .start(drillPrepareStep)
        .next(drillRestoreStep)
        .next(drillValidateStep)
        .next(drillCleanupStep)
        .build();
  }

  @Bean
  Step drillPrepareStep(
      JobRepository repository,
      DrillSessions sessions,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    return step("prepare", repository, new PrepareStep(sessions, catalog, fetcher, signatures));
  }

  @Bean
  Step drillRestoreStep(
      JobRepository repository,
      DrillSessions sessions,
      LifeboatConfig config,
      Targets targets,
      PgBinaries pgBinaries,
      Keys keys) {
    return step(
        "restore",
        repository,
        StoppableWork.of(new RestoreStep(sessions, config, targets, pgBinaries, keys)));
  }

  @Bean
  Step drillValidateStep(JobRepository repository, DrillSessions sessions, LifeboatConfig config) {
    return step("validate", repository, new ValidateStep(sessions, config));
  }

  @Bean
  Step drillCleanupStep(JobRepository repository, DrillSessions sessions) {
    return step("cleanup", repository, new CleanupStep(sessions));
  }

  private static Step step(String name, JobRepository repository, Tasklet tasklet) {
    return new StepBuilder(name, repository).tasklet(tasklet, StepTransactions.none()).build();
  }
}
