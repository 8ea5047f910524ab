package dev.lifeboat.restore;

import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.RestoreRequest;
import dev.lifeboat.run.VerbName;
import org.springframework.batch.core.job.Job;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The restore job: one stoppable step that carries out the plan made before the job. A stop (a
 * SIGTERM) ends pg_restore's sessions, the staging database goes, the run ends STOPPED.
 */
@Configuration(proxyBeanMethods = false)
class RestoreJobConfiguration {

  @Bean
  Job restoreBatchJob(Jobs jobs, RestoreStep step) {
    return jobs.job(
        VerbName.RESTORE,
        jobs.stoppable(
            "restore",
            RestoreRequest.class,
            (request, target, run) -> run.result(step.run(request, target, run.stop()))));
  }
}
