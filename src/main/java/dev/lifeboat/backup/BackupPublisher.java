package dev.lifeboat.backup;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.util.List;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.stereotype.Component;

/**
 * The second half of a backup: the verdict over all stores. Each store's manifest is already
 * written, right after that store's upload committed ({@link BackupDumper}), so a store only ever
 * lists a backup it holds whole; this step decides complete, partial or failed from how each store
 * fared.
 */
@Component
final class BackupPublisher implements Tasklet {

  private final Targets targets;

  BackupPublisher(Targets targets) {
    this.targets = targets;
  }

  /**
   * The {@code publish} step: reads the dump's outcome from the job's context, leaves the result
   * there, fails the step when no store holds the backup and ends it {@code PARTIAL} when some do.
   */
  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
    ExecutionContext job = contribution.getStepExecution().getJobExecution().getExecutionContext();
    BackupDumper.Dumped dumped =
        Json.read(job.getString(BackupJobConfiguration.DUMPED), BackupDumper.Dumped.class);
    Target target = targets.resolve(dumped.manifest().target());
    BackupResult result = publish(target, dumped);
    job.putString(BackupJobConfiguration.RESULT, Json.write(result));
    if (result.status() == BackupResult.Status.FAILED) {
      throw new BackupException(
          "backup "
              + result.id()
              + " of target '"
              + target.name()
              + "' reached no store: "
              + result.error());
    }
    contribution.setExitStatus(
        result.status() == BackupResult.Status.PARTIAL
            ? new ExitStatus("PARTIAL", result.error())
            : ExitStatus.COMPLETED);
    return RepeatStatus.FINISHED;
  }

  BackupResult publish(Target target, BackupDumper.Dumped dumped) {
    Manifest manifest = dumped.manifest();
    List<BackupResult.Store> results = dumped.stores();
    long ok = results.stream().filter(BackupResult.Store::isOk).count();
    BackupResult.Status status =
        ok == results.size()
            ? BackupResult.Status.COMPLETE
            : ok > 0 ? BackupResult.Status.PARTIAL : BackupResult.Status.FAILED;
    String error =
        ok == results.size()
            ? null
            : "not stored in: "
                + String.join(
                    ", ",
                    results.stream()
                        .filter(r -> !r.isOk())
                        .map(BackupResult.Store::store)
                        .toList());
    return new BackupResult(
        manifest.id(), target.name(), manifest.label(), status, manifest, results, error);
  }
}
