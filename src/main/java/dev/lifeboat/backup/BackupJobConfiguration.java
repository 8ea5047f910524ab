package dev.lifeboat.backup;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.Node;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.DeadRuns;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.VerbName;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The backup job: step {@code globals} keeps the cluster's roles beside the dump, step {@code dump}
 * streams pg_dump to every store and writes each store's manifest as soon as that store's upload
 * has committed; step {@code publish} decides complete, partial or failed. Each gets the typed
 * request and the resolved target. A backup job is never restarted: one interrupted is marked
 * failed by the next backup of its target.
 */
@Configuration(proxyBeanMethods = false)
class BackupJobConfiguration {

  static final String DUMPED = "dumped";
  static final String GLOBALS = "globals";

  @Bean
  Job backupBatchJob(
      Jobs jobs,
      BackupGlobals globals,
      BackupDumper dumper,
      DeadRuns deadRuns,
      Node node,
      BackupPublisher publisher) {
    return jobs.job(
        VerbName.BACKUP,
        // the cluster's roles beside the dump (see BackupGlobals); before the dump names them
        jobs.stage(
            "globals",
            BackupRequest.class,
            (request, target, run) ->
                run.context().putString(GLOBALS, Json.write(globals.take(target, request.id())))),
        jobs.stoppable(
            "dump",
            BackupRequest.class,
            (request, target, run) -> {
              BackupDumper.Dumped dumped =
                  dumper.dump(
                      target,
                      request.id(),
                      request.label(),
                      request.startedAt(),
                      // holding the target's backup lock proves no other backup of it runs
                      () ->
                          deadRuns.markFailedUnderBackupLock(
                              VerbName.BACKUP,
                              target.name(),
                              run.execution(),
                              node,
                              "nothing of it was listed"),
                      run.stop(),
                      globals(run.context()));
              run.context().putString(DUMPED, Json.write(dumped));
            }),
        jobs.stage("publish", BackupRequest.class, publisher));
  }

  private static BackupGlobals.Taken globals(ExecutionContext job) {
    return job.containsKey(GLOBALS)
        ? Json.read(job.getString(GLOBALS), BackupGlobals.Taken.class)
        : null;
  }
}
