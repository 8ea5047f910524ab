package dev.lifeboat.backup;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.target.Target;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The second half of a backup: the verdict over all stores. Each store's manifest is already
 * written, right after that store's upload committed ({@link BackupDumper}), so a store only ever
 * lists a backup it holds whole; this step decides complete, partial or failed from how each store
 * fared.
 */
@Component
final class BackupPublisher implements Jobs.Stage<BackupRequest> {

  /**
   * The {@code publish} step: reads the dump's outcome from the job's context, leaves the result
   * there, fails the step when no store holds the backup and ends it {@code PARTIAL} when some do.
   */
  @Override
  public void run(BackupRequest request, Target target, Jobs.Scope run) {
    BackupDumper.Dumped dumped =
        Json.read(
            run.context().getString(BackupJobConfiguration.DUMPED), BackupDumper.Dumped.class);
    BackupResult result = publish(target, dumped);
    run.result(result);
    if (result.status() == BackupResult.Status.FAILED) {
      throw new BackupException(
          "backup "
              + result.id()
              + " of target '"
              + target.name()
              + "' reached no store: "
              + result.error());
    }
  }

  BackupResult publish(Target target, BackupDumper.Dumped dumped) {
    Manifest manifest = dumped.manifest();
    List<BackupResult.Store> results = dumped.stores();
    long ok = results.stream().filter(BackupResult.Store::ok).count();
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
                    results.stream().filter(r -> !r.ok()).map(BackupResult.Store::store).toList());
    return new BackupResult(
        manifest.id(), target.name(), manifest.label(), status, manifest, results, error);
  }
}
