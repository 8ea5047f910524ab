package dev.lifeboat.backup;

import dev.lifeboat.archive.BackupVerifier;
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

/**
 * The verify job: one step that re-reads a backup from its stores; like every job it is recorded in
 * history, counted in the metrics and notified ({@code verify-failed}, {@code verify-partial}).
 */
@Configuration(proxyBeanMethods = false)
class VerifyJobConfiguration {

  static final String NAME = VerbName.VERIFY.word();
  static final String TARGET = "target";
  static final String BACKUP = "backup";
  static final String STORE = "store";
  static final String DEEP = "deep";
  static final String ALLOW_UNSIGNED = "allowUnsigned";
  static final String STARTED_AT = "startedAt";
  static final String REPORT = "report";

  @Bean
  Job verifyBatchJob(
      JobRepository jobRepository, Step verifyStep, LocalExecutions localExecutions) {
    return new JobBuilder(NAME, jobRepository).listener(localExecutions).start(verifyStep).build();
  }

  @Bean
  Step verifyStep(JobRepository repo, Targets targets, BackupVerifier verifier) {
    return new StepBuilder("verify", repo)
        .tasklet(
            (contribution, chunk) -> {
              JobParameters p = contribution.getStepExecution().getJobParameters();
              String store = p.getString(STORE);
              BackupVerifier.VerifyResult result =
                  verifier.verify(
                      targets.resolve(p.getString(TARGET)),
                      p.getString(BACKUP),
                      store == null || store.isEmpty() ? null : store,
                      Boolean.parseBoolean(p.getString(DEEP)),
                      Boolean.parseBoolean(p.getString(ALLOW_UNSIGNED)));
              Verify.Report report = Verify.Report.of(result);
              contribution
                  .getStepExecution()
                  .getJobExecution()
                  .getExecutionContext()
                  .putString(REPORT, Json.write(report));
              contribution.setExitStatus(
                  report.status() == Verify.Report.Status.SUCCESS
                      ? ExitStatus.COMPLETED
                      : new ExitStatus(report.status().name(), report.error()));
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }
}
