package dev.lifeboat.backup;

import dev.lifeboat.catalog.Manifest;
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
final class BackupPublisher {

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
