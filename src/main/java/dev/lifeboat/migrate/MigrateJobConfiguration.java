package dev.lifeboat.migrate;

import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.MigrateRequest;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.VerbName;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The migrate job: one step, {@code apply}, that applies the pending migrations of the target
 * ({@code --safe}: through {@link SafeApply}) and records its {@link MigrateResult}, which {@code
 * history} and {@code migrate status --json} read back. A failed apply fails the step.
 */
@Configuration(proxyBeanMethods = false)
class MigrateJobConfiguration {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.migrate");

  @Bean
  Job migrateBatchJob(Jobs jobs, Migrations migrations, SafeApply safeApply, Progress progress) {
    Consumer<String> say =
        text -> {
          log.info(text);
          progress.note(text);
        };
    return jobs.job(
        VerbName.MIGRATE,
        jobs.stage(
            "apply",
            MigrateRequest.class,
            (request, target, run) -> {
              MigrateResult result;
              try {
                result =
                    request.safe()
                        ? safeApply.apply(target, request.restoreOnFailure(), run.trigger(), say)
                        : migrations.apply(target, say);
              } catch (RuntimeException e) {
                run.result(
                    MigrateResult.notApplied(
                            MigrateResult.Status.FAILED, target.name(), -1, e.getMessage())
                        .withExecution(run.execution()));
                throw e;
              }
              result = result.withExecution(run.execution());
              run.result(result);
              if (!result.ok()) {
                throw new MigrationException(result.error());
              }
            }));
  }
}
