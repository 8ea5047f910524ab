package dev.lifeboat.retention;

import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.VerbName;
import org.springframework.batch.core.job.Job;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The prune job: one step that plans every store of the target and, unless dry, acts. */
@Configuration(proxyBeanMethods = false)
class PruneJobConfiguration {

  @Bean
  Job pruneBatchJob(Jobs jobs, Pruner pruner) {
    return jobs.job(
        VerbName.PRUNE,
        jobs.step(
            "prune",
            PruneRequest.class,
            (request, target) -> pruner.prune(target, request.store(), request.dryRun())));
  }
}
