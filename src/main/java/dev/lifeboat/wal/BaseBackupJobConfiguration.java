package dev.lifeboat.wal;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.run.DeadRuns;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import org.springframework.batch.core.job.Job;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The basebackup job: {@code stream} (BaseBackupStream), then {@code wal} (WalWait). */
@Configuration(proxyBeanMethods = false)
class BaseBackupJobConfiguration {

  // the WAL from the backup's start to its stop reaches the stores through serve's receiver
  static final String NO_RECEIVER =
      "it reaches a store through the WAL receiver of a serve node: see lifeboat wal status";

  @Bean
  Job baseBackupBatchJob(
      Jobs jobs,
      LifeboatConfig config,
      PgBinaries binaries,
      Targets targets,
      Keys keys,
      ManifestSignatures signatures,
      DeadRuns deadRuns,
      Node node,
      Clock clock) {
    BaseBackupStream stream = new BaseBackupStream(binaries, ProcessRunner.system(), clock);
    return jobs.job(
        VerbName.BASEBACKUP,
        jobs.stoppable(
            "stream",
            BaseBackupRequest.class,
            (request, target, run) -> {
              BaseBackupStream.Streamed streamed =
                  stream.runLocked(
                      BaseBackupStream.Source.of(target, targets, keys, config, signatures),
                      request,
                      run.stop(),
                      // holding the target's backup lock proves no earlier run of it is alive
                      () ->
                          deadRuns.markFailedUnderBackupLock(
                              VerbName.BASEBACKUP,
                              target.name(),
                              run.execution(),
                              node,
                              "a store it reached may hold its copy"));
              run.context().putString(WalWait.STREAMED, Json.write(streamed));
            }),
        jobs.stoppable(
            "wal",
            BaseBackupRequest.class,
            new WalWait(
                targets,
                target -> config.properties().targets().get(target).wal().basebackupWalTimeout(),
                NO_RECEIVER)));
  }
}
