package dev.lifeboat.verify;

import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.VerbName;
import java.util.List;
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
  Job verifyBatchJob(
      Jobs jobs, BackupVerifier verifier, WalChainCheck walCheck, LifeboatConfig config) {
    return jobs.job(
        VerbName.VERIFY,
        jobs.step(
            "verify",
            VerifyRequest.class,
            (request, target) ->
                request.wal()
                    ? Verify.Report.of(
                        walCheck.check(
                            config.baseTarget(target.name()),
                            request.store() == null ? target.stores() : List.of(request.store())))
                    : Verify.Report.of(
                        verifier.verify(
                            target,
                            request.backup(),
                            request.store(),
                            request.deep(),
                            request.allowUnsigned()))));
  }
}
