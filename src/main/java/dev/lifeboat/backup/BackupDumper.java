package dev.lifeboat.backup;

import com.github.luben.zstd.ZstdOutputStream;
import dev.lifeboat.base.DigestingOutputStream;
import dev.lifeboat.base.LifeboatVersion;
import dev.lifeboat.catalog.InFlight;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.catalog.Manifests;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgCatalog.RlsState;
import dev.lifeboat.pg.PgCatalog.Table;
import dev.lifeboat.pg.PgDump;
import dev.lifeboat.pg.PgDumpRun;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The first half of a backup: one pg_dump, compressed with zstd, hashed, and streamed to every
 * store of the target at once. Leaves each store with a complete dump object and its manifest
 * (written as soon as that store's upload commits), or with nothing listed.
 */
@Component
final class BackupDumper {

  private static final Logger LOG = LoggerFactory.getLogger(BackupDumper.class);
  private static final int CHUNK = 1 << 20;

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;
  private final Targets targets;
  private final Keys keys;
  private final Progress progress;
  private final Clock clock;
  private final Node node;
  private final PgDump pgDumpRunner = new PgDump(ProcessRunner.system());
  private final ManifestSignatures signatures;

  BackupDumper(
      LifeboatConfig config,
      PgBinaries pgBinaries,
      Targets targets,
      Keys keys,
      Progress progress,
      Clock clock,
      Node node,
      ManifestSignatures signatures) {
    this.config = config;
    this.pgBinaries = pgBinaries;
    this.targets = targets;
    this.keys = keys;
    this.progress = progress;
    this.clock = clock;
    this.node = node;
    this.signatures = signatures;
  }

  /**
   * What the dump produced: the manifest and how each store fared (ok means the dump and its
   * manifest are both written there).
   */
  record Dumped(Manifest manifest, List<BackupResult.Store> stores) {}

  Dumped dump(
      Target target,
      String id,
      String label,
      Instant startedAt,
      Runnable whileLocked,
      StoppableWork.Stop stop,
      BackupGlobals.Taken globals) {
    List<BackupStore> stores = targets.stores(target);
    List<String> recipients = keys.forTarget(target.name()).recipients();
    boolean details = config.manifestDetails(target.name());
    // before anything is dumped: a key that cannot sign stops the backup here
    SigningKey signingKey = signatures.signingKey();
    try (TargetSnapshot session = TargetSnapshot.connect(target.connection())) {
      // a stop before pg_dump runs cancels what the session waits on (a locked table)
      stop.onStop(session::cancelRunningQuery);
      if (!session.tryLock()) {
        String holder = session.lockHolder().map(h -> " (held by " + h + ")").orElse("");
        throw new TargetBusyException(
            "another backup of target '"
                + target.name()
                + "' is running"
                + holder
                + "; this one stops rather than dump the same database twice at once; try again when it has finished");
      }
      whileLocked.run();
      int serverVersionNum = session.serverVersionNum();
      String serverVersion = session.serverVersion();
      String database = session.database();
      PgTool pgDump = pgBinaries.require("pg_dump", PgBinaries.serverMajor(serverVersionNum));
      String snapshot = session.exportSnapshot();
      session.checkReadable();
      CompletableFuture<Catalog> catalog = CompletableFuture.supplyAsync(() -> catalog(session));
      // the row counts come from the archive as it passes; a count(*) of every table in the
      // snapshot starts only if the archive cannot be read
      ArchiveRowCounter counter = new ArchiveRowCounter();
      CompletableFuture<Map<String, Long>> scan = null;
      PgDumpRun run = pgDumpRunner.start(pgDump, target.connection(), snapshot, List.of());
      // a stop ends pg_dump; the loop below then fails and aborts every upload
      stop.onStop(run::cancel);
      LifeboatProperties.Backup settings = config.properties().backup();
      // before any upload starts: prune leaves a backup that says it is running alone
      InFlight inFlight = InFlight.start(stores, target.name(), id, node.name(), clock);
      ObjectUpload.Broadcast fanOut =
          ObjectUpload.toEvery(
              stores, Manifest.dumpKey(target.name(), id), CHUNK, settings.queueChunks());
      try {
        DigestingOutputStream digest = new DigestingOutputStream(fanOut);
        // encrypted: the hash and size cover the stored (age) bytes, so verify needs no secret
        OutputStream stored = Age.wrap(digest, recipients);
        long raw = 0;
        try (Progress.Task task = progress.start("backup " + target.name() + " " + id, -1);
            ZstdOutputStream zstd = new ZstdOutputStream(stored, settings.compressionLevel())) {
          if (settings.compressionWorkers() > 0) {
            zstd.setWorkers(settings.compressionWorkers());
          }
          InputStream in = run.output();
          byte[] buffer = new byte[256 * 1024];
          for (int n; (n = in.read(buffer)) > 0; ) {
            if (scan == null) {
              counter.accept(buffer, 0, n);
              if (counter.gaveUp()) {
                LOG.warn(
                    "row counts taken by count(*) of every table: the archive could not be read"
                        + " ({})",
                    counter.failure());
                scan = catalog.thenApplyAsync(c -> scan(session, c.tables()));
              }
            }
            zstd.write(buffer, 0, n);
            raw += n;
            task.update(raw, digest.count());
          }
          run.finish();
        }
        Catalog tables = join(catalog);
        Map<String, Long> counts = rowCounts(session, tables, counter, scan);
        Manifest manifest =
            new Manifest(
                id,
                target.name(),
                label,
                startedAt,
                clock.instant(),
                recipients.isEmpty() ? Manifest.FORMAT : Manifest.FORMAT_AGE,
                digest.count(),
                digest.sha256Hex(),
                raw,
                database,
                serverVersion,
                pgDump.version(),
                LifeboatVersion.get(),
                details ? counts : Map.of(),
                details ? tables.rls() : null,
                false,
                recipients.isEmpty() ? null : new Manifest.Encryption(Age.FORMAT, recipients),
                globals == null ? null : globals.globals());
        byte[] json = Manifests.write(manifest);
        String manifestKey = Manifest.manifestKey(target.name(), id);
        byte[] signature = ManifestSignatures.sign(signingKey, manifestKey, json);
        // each store is published the moment its own upload commits: a hung store cannot hold
        // back the copies that are already whole
        Map<String, ObjectUpload.Broadcast.Outcome> outcomes =
            fanOut.finish(
                store -> {
                  try {
                    if (globals != null) {
                      // before the manifest, which names it
                      store.put(globals.globals().key(), globals.bytes());
                    }
                    // the signature before the manifest it signs: the manifest still goes last
                    store.put(Manifest.signatureKey(target.name(), id), signature);
                    store.put(manifestKey, json);
                  } catch (RuntimeException e) {
                    throw new BackupException(
                        "writing the manifest failed: " + ObjectUpload.Broadcast.message(e), e);
                  }
                });
        List<BackupResult.Store> results = new ArrayList<>();
        outcomes.forEach(
            (store, o) ->
                results.add(
                    o.ok()
                        ? BackupResult.Store.ok(store)
                        : BackupResult.Store.failed(store, o.error())));
        return new Dumped(manifest, results);
      } catch (IOException | RuntimeException e) {
        fanOut.abort();
        run.cancel();
        catalog.cancel(true);
        if (scan != null) {
          scan.cancel(true);
        }
        throw e instanceof BackupException be
            ? be
            : new BackupException(ObjectUpload.Broadcast.message(e), e);
      } finally {
        run.close();
        inFlight.close();
      }
    } catch (SQLException e) {
      throw new BackupException(PgErrors.firstLine(e.getMessage()), e);
    }
  }

  private record Catalog(List<Table> tables, Map<String, RlsState> rls) {}

  private static Catalog catalog(TargetSnapshot session) {
    try {
      return new Catalog(session.tables(), session.rlsState());
    } catch (SQLException e) {
      throw new BackupException(
          "reading the table list failed: " + PgErrors.firstLine(e.getMessage()), e);
    }
  }

  private static Map<String, Long> scan(TargetSnapshot session, List<Table> tables) {
    try {
      return session.rowCounts(tables);
    } catch (SQLException e) {
      throw new BackupException("counting rows failed: " + PgErrors.firstLine(e.getMessage()), e);
    }
  }

  /**
   * The row count of every table of the snapshot: from the archive where it carried the table, else
   * (a table it did not carry, or an archive it could not read) by count(*) in the snapshot.
   */
  private static Map<String, Long> rowCounts(
      TargetSnapshot session,
      Catalog catalog,
      ArchiveRowCounter counter,
      CompletableFuture<Map<String, Long>> scan)
      throws IOException {
    if (scan != null) {
      return join(scan);
    }
    Optional<Map<String, Long>> fromArchive = counter.counts();
    if (fromArchive.isEmpty()) {
      LOG.warn(
          "row counts taken by count(*) of every table: the archive could not be read ({})",
          counter.failure());
      return scan(session, catalog.tables());
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    List<Table> missing = new ArrayList<>();
    for (Table t : catalog.tables()) {
      Long rows = fromArchive.get().get(t.key());
      if (rows == null) {
        missing.add(t);
      }
      counts.put(t.key(), rows);
    }
    if (!missing.isEmpty()) {
      LOG.warn("row counts of {} taken by count(*): the archive carried no data for them", missing);
      counts.putAll(scan(session, missing));
    }
    return counts;
  }

  private static <T> T join(CompletableFuture<T> future) throws IOException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
