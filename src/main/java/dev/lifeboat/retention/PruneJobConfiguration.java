package dev.lifeboat.retention;

import dev.lifeboat.base.Json;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Targets;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The prune job: one step that plans every store of the target and, unless dry, acts. */
@Configuration(proxyBeanMethods = false)
class PruneJobConfiguration {

  static final String NAME = VerbName.PRUNE.word();
  static final String TARGET = "target";
  static final String STORE = "store";
  static final String DRY_RUN = "dryRun";
  static final String STARTED_AT = "startedAt";
  static final String REPORT = "report";

  @Bean
  Job pruneBatchJob(JobRepository jobRepository, Step pruneStep, LocalExecutions localExecutions) {
    return new JobBuilder(NAME, jobRepository).listener(localExecutions).start(pruneStep).build();
  }

  @Bean
  Step pruneStep(JobRepository repo, Targets targets, Pruner pruner) {
    return new StepBuilder("prune", repo)
        .tasklet(
            (contribution, chunk) -> {
              JobParameters p = contribution.getStepExecution().getJobParameters();
              String store = p.getString(STORE);
              PruneReport report =
                  pruner.prune(
                      targets.resolve(p.getString(TARGET)),
                      store == null || store.isEmpty() ? null : store,
                      Boolean.parseBoolean(p.getString(DRY_RUN)));
              contribution
                  .getStepExecution()
                  .getJobExecution()
                  .getExecutionContext()
                  .putString(REPORT, Json.write(report));
              contribution.setExitStatus(
                  report.status() == PruneReport.Status.SUCCESS
                      ? ExitStatus.COMPLETED
                      : new ExitStatus(report.status().name(), report.error()));
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }
}
