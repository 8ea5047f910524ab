package dev.lifeboat.backup;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The second half of a backup: the verdict over all stores. The manifests are normally already
 * written, each right after its store's upload committed ({@link BackupDumper}); for a dump whose
 * manifests are not yet written it writes one into each store whose dump object is complete. The
 * manifest always goes last, so a store only ever lists a backup it holds whole.
 */
@Component
final class BackupPublisher {

  private final LifeboatConfig config;
  private final Targets targets;
  private final ManifestSignatures signatures;

  BackupPublisher(LifeboatConfig config, Targets targets, ManifestSignatures signatures) {
    this.config = config;
    this.targets = targets;
    this.signatures = signatures;
  }

  BackupResult publish(Target target, BackupDumper.Dumped dumped) {
    Manifest manifest = dumped.manifest();
    byte[] json = Manifests.write(manifest);
    String manifestKey = Manifest.manifestKey(target.name(), manifest.id());
    byte[] signature =
        dumped.published()
            ? null
            : ManifestSignatures.sign(signatures.signingKey(), manifestKey, json);
    List<BackupResult.Store> results = new ArrayList<>();
    for (BackupResult.Store dump : dumped.stores()) {
      if (!dump.isOk() || dumped.published()) {
        results.add(dump);
        continue;
      }
      BackupStore store = targets.store(dump.store());
      try {
        store.put(Manifest.signatureKey(target.name(), manifest.id()), signature);
        store.put(manifestKey, json);
        results.add(BackupResult.Store.ok(dump.store()));
      } catch (RuntimeException e) {
        results.add(
            BackupResult.Store.failed(
                dump.store(), "writing the manifest failed: " + FanOut.message(e)));
      }
    }
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
