package dev.lifeboat.datamigrate;

import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.run.VerbName;
import java.util.Map;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The {@code data-migrate} job: one partitioned step whose partitions are the key ranges recorded
 * in the target at the first start (only those not finished yet); each partition's worker runs
 * chunk after chunk, each its own transaction on the target (see {@link ChunkWorker}). After it,
 * whichever way it ended, its listener records where the migration stands and releases its lock.
 */
@Configuration(proxyBeanMethods = false)
class DataMigrationJobConfiguration {

  static final String JOB = VerbName.DATA_MIGRATE.word();
  static final String NAME = "name";
  static final String STARTED_AT = "startedAt";

  @Bean
  Job dataMigrateBatchJob(
      JobRepository jobRepository,
      Step dataMigrateStep,
      LocalExecutions localExecutions,
      DataMigrations migrations,
      Jobs jobs) {
    return new JobBuilder(JOB, jobRepository)
        .listener(localExecutions)
        .listener(new FinishListener(migrations, jobs))
        .start(dataMigrateStep)
        .build();
  }

  @Bean
  Step dataMigrateStep(
      JobRepository repository,
      Step dataMigrateChunksStep,
      ActiveRuns activeDataMigrations,
      Jobs jobs) {
    return new StepBuilder("migrate", repository)
        .partitioner("chunks", gridSize -> Map.of())
        .splitter(new OpenPartitions(repository, activeDataMigrations, jobs))
        .step(dataMigrateChunksStep)
        .taskExecutor(new SimpleAsyncTaskExecutor("data-migrate-"))
        .build();
  }

  @Bean
  Step dataMigrateChunksStep(JobRepository repository, ActiveRuns activeDataMigrations, Jobs jobs) {
    ChunkWorker worker = new ChunkWorker(activeDataMigrations, jobs);
    return new StepBuilder("chunks", repository)
        .tasklet(worker, StepTransactions.none())
        .listener(worker)
        .build();
  }
}
