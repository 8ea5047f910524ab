package dev.lifeboat.verify;

import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.VerbName;
import org.springframework.batch.core.job.Job;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The verify job: one step that re-reads a backup from its stores; like every job it is recorded in
 * history, counted in the metrics and notified ({@code verify-failed}, {@code verify-partial}).
 */
@Configuration(proxyBeanMethods = false)
class VerifyJobConfiguration {

  @Bean
  Job verifyBatchJob(Jobs jobs, BackupVerifier verifier) {
    return jobs.job(
        VerbName.VERIFY,
        jobs.step(
            "verify",
            VerifyRequest.class,
            (request, target) ->
                Verify.Report.of(
                    verifier.verify(
                        target,
                        request.backup(),
                        request.store(),
                        request.deep(),
                        request.allowUnsigned()))));
  }
}
