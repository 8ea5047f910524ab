package dev.lifeboat.archive;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.catalog.Verifications;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.TargetKeys;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Re-reads a backup from each store and checks it against its manifest: SHA-256 and size of the
 * stored object, and that it decompresses into a pg_dump archive. Stores are read in parallel.
 */
@Component
public final class BackupVerifier {

  private final LifeboatConfig config;
  private final Targets targets;
  private final Keys keys;
  private final BackupCatalog catalog;
  private final Progress progress;
  private final Verifications verifications;
  private final ManifestSignatures signatures;

  BackupVerifier(
      LifeboatConfig config,
      Targets targets,
      Keys keys,
      BackupCatalog catalog,
      Progress progress,
      Verifications verifications,
      ManifestSignatures signatures) {
    this.signatures = signatures;
    this.config = config;
    this.targets = targets;
    this.keys = keys;
    this.catalog = catalog;
    this.progress = progress;
    this.verifications = verifications;
  }

  /**
   * How one store's copy looks: {@code ok}, {@code missing}, {@code corrupt} or {@code
   * unreachable}.
   */
  public record StoreCheck(String store, String status, String detail) {
    public boolean ok() {
      return "ok".equals(status);
    }

    public boolean unreachable() {
      return "unreachable".equals(status);
    }
  }

  /** The verdict for every store checked; {@code ok} only when every copy is good. */
  public record VerifyResult(
      String id,
      String target,
      String sha256,
      long sizeBytes,
      boolean ok,
      List<StoreCheck> stores,
      String signature) {}

  public VerifyResult verify(Target target, String idOrLatest, String onlyStore) {
    return verify(target, idOrLatest, onlyStore, false);
  }

  /**
   * {@code deep}: an encrypted backup is also decrypted (with the configured identities, refused
   * with exit 2 before reading when none opens it) and decompressed to nowhere. An unencrypted
   * backup is always decompressed.
   */
  public VerifyResult verify(Target target, String idOrLatest, String onlyStore, boolean deep) {
    return verify(target, idOrLatest, onlyStore, deep, false);
  }

  /**
   * {@code allowUnsigned}: a backup no trusted key signed is checked too (and not marked verified);
   * without it, it is refused (exit 2) before a byte is read.
   */
  public VerifyResult verify(
      Target target, String idOrLatest, String onlyStore, boolean deep, boolean allowUnsigned) {
    if (onlyStore != null && !target.stores().contains(onlyStore)) {
      throw new ConfigException(
          "--store",
          "target '"
              + target.name()
              + "' has no store named '"
              + onlyStore
              + "' (its stores: "
              + String.join(", ", target.stores())
              + ")");
    }
    BackupCatalog.Listing listing = catalog.list(target);
    BackupCatalog.Entry entry = catalog.find(listing, target, idOrLatest);
    Manifest manifest = entry.manifest();
    ManifestSignatures.Verdict signature = signatures.require(target, entry, allowUnsigned);
    List<String> names = onlyStore == null ? target.stores() : List.of(onlyStore);
    Identities identities = null;
    if (deep && manifest.encrypted()) {
      TargetKeys targetKeys = keys.forTarget(target.name());
      identities = targetKeys.identities();
      DumpReader.requireIdentity(
          names.stream().filter(entry.stores()::contains).map(targets::store).toList(),
          manifest,
          identities,
          targetKeys.identitiesKey());
    }
    Identities opening = identities;
    AtomicLong done = new AtomicLong();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, names.size()),
            r -> {
              Thread t = new Thread(r, "verify");
              t.setDaemon(true);
              return t;
            });
    try (Progress.Task task =
        progress.start("verify " + manifest.id(), manifest.sizeBytes() * names.size())) {
      List<Future<StoreCheck>> futures = new ArrayList<>();
      for (String name : names) {
        futures.add(
            pool.submit(
                () -> {
                  if (entry.stores().contains(name)) {
                    return check(targets.store(name), manifest, done, task, opening);
                  }
                  String unreadable = listing.unreadableStores().get(name);
                  // a store that could not be listed may well hold the copy: say so, not "missing"
                  return unreadable != null
                      ? new StoreCheck(name, "unreachable", unreadable)
                      : new StoreCheck(
                          name, "missing", "the store holds no complete copy (no manifest)");
                }));
      }
      List<StoreCheck> checks = new ArrayList<>();
      for (Future<StoreCheck> f : futures) {
        checks.add(f.get());
      }
      boolean ok = checks.stream().allMatch(StoreCheck::ok);
      // each copy read back whole and matching is marked, even when another copy failed; a copy
      // of a backup nobody trusted signed proves nothing about who made it
      if (signature.signed()) {
        verifications.mark(
            manifest.target(),
            manifest.id(),
            checks.stream().filter(StoreCheck::ok).map(c -> targets.store(c.store())).toList(),
            Verifications.By.VERIFY);
      }
      return new VerifyResult(
          manifest.id(),
          target.name(),
          manifest.sha256(),
          manifest.sizeBytes(),
          ok,
          checks,
          signature.describe());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiveException("verify interrupted", e);
    } catch (ExecutionException e) {
      throw new ArchiveException("verify failed: " + message(e.getCause()), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private StoreCheck check(
      BackupStore store,
      Manifest expected,
      AtomicLong done,
      Progress.Task task,
      Identities identities) {
    try {
      Manifest own =
          BackupCatalog.readManifest(store, Manifest.manifestKey(expected.target(), expected.id()));
      if (!own.sha256().equals(expected.sha256())) {
        return new StoreCheck(
            store.name(),
            "corrupt",
            "its manifest records a different SHA-256 ("
                + own.sha256()
                + ") than the other stores ("
                + expected.sha256()
                + ")");
      }
      return DumpReader.read(
          store,
          expected,
          OutputStream.nullOutputStream(),
          n -> task.update(done.addAndGet(n), -1),
          identities);
    } catch (StoreException e) {
      String status = e.kind() == StoreException.Kind.NOT_FOUND ? "missing" : "unreachable";
      return new StoreCheck(store.name(), status, e.getMessage());
    } catch (IllegalArgumentException e) {
      return new StoreCheck(store.name(), "corrupt", "its manifest is damaged: " + e.getMessage());
    }
  }

  private static String message(Throwable t) {
    String m = t == null ? null : t.getMessage();
    return m == null || m.isBlank() ? (t == null ? "failed" : t.getClass().getSimpleName()) : m;
  }
}
