package dev.lifeboat.wal;

import com.github.luben.zstd.ZstdOutputStream;
import dev.lifeboat.base.DigestingOutputStream;
import dev.lifeboat.base.LifeboatException;
import dev.lifeboat.base.LifeboatVersion;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.PgBaseBackup;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.pg.ReplicationConnection;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One base backup's data (plan §4.2): {@code pg_basebackup -D - -Ft -X none} as the target's role →
 * {@link TarScanner} (its label and manifest say where the WAL it needs starts and stops) → zstd →
 * age to the target's recipients when it has any → SHA-256 of the stored bytes → every store at
 * once under {@code <target>.wal/base/<id>/base.tar.zst[.age]}. Each store whose upload commits
 * gets {@code basebackup.json.sig} and then {@code basebackup.json} at once, whatever the others
 * do. Whether a store then holds the WAL too is the next step's question ({@link
 * BaseBackupCatalog#completeIn}).
 */
final class BaseBackupStream {

  private static final int CHUNK = 1 << 20;
  private static final int BUFFER = 256 * 1024;

  private final PgBinaries binaries;
  private final PgBaseBackup pgBaseBackup;
  private final Clock clock;

  BaseBackupStream(PgBinaries binaries, ProcessRunner runner, Clock clock) {
    this.binaries = Objects.requireNonNull(binaries);
    this.pgBaseBackup = new PgBaseBackup(runner);
    this.clock = Objects.requireNonNull(clock);
  }

  /** What to copy, where to, and how to seal it. */
  record Source(
      String target,
      PgConnection connection,
      List<BackupStore> stores,
      List<String> recipients,
      LifeboatProperties.Backup settings,
      SigningKey signingKey) {

    /** A resolved target's: its role, its stores, its recipients, backup's zstd settings. */
    static Source of(
        Target target,
        Targets targets,
        Keys keys,
        LifeboatConfig config,
        ManifestSignatures signatures) {
      return new Source(
          target.name(),
          target.connection(),
          targets.stores(target),
          keys.forTarget(target.name()).recipients(),
          config.properties().backup(),
          signatures.signingKey());
    }
  }

  /**
   * What the copy produced: its manifest and how each store fared (ok: the data object and its
   * manifest are both there).
   */
  record Streamed(Manifest manifest, Map<String, ObjectUpload.Broadcast.Outcome> stores) {}

  /** A base backup that could not be taken: one sentence, exit 1. */
  static final class BaseBackupException extends LifeboatException {
    BaseBackupException(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public int exitCode() {
      return FAILED;
    }
  }

  /**
   * As {@link #run}, holding the target's backup lock (one dump or base backup of a target at a
   * time, on every node; {@code whileLocked} runs once it is held), and ending pg_basebackup when
   * {@code stop} is asked.
   */
  Streamed runLocked(
      Source source, BaseBackupRequest request, StoppableWork.Stop stop, Runnable whileLocked) {
    try (Connection lock = source.connection().open()) {
      if (!AdvisoryLock.tryLock(lock, AdvisoryLock.BACKUP)) {
        throw new TargetBusyException(
            "another backup or base backup of target '"
                + source.target()
                + "' is running; this one stops rather than copy the server twice at once; try"
                + " again when it has finished");
      }
      whileLocked.run();
      return run(
          source,
          request.id(),
          request.label(),
          request.startedAt(),
          run -> stop.onStop(run::cancel));
    } catch (SQLException e) {
      throw new BaseBackupException(
          "base backup of target '"
              + source.target()
              + "': taking its backup lock failed: "
              + PgErrors.firstLine(e.getMessage()),
          e);
    }
  }

  /**
   * Copies {@code source}'s server as base backup {@code id}; {@code onStart} is given the running
   * pg_basebackup (a stop request cancels it there).
   */
  Streamed run(
      Source source,
      String id,
      String label,
      Instant startedAt,
      java.util.function.Consumer<PgBaseBackup.Run> onStart) {
    String target = source.target();
    Server before = server(source);
    PgTool tool = PgBaseBackup.find(binaries, before.major());
    List<String> recipients = source.recipients();
    String dataKey = BaseBackupCatalog.dataKey(target, id, !recipients.isEmpty());
    PgBaseBackup.Run run =
        pgBaseBackup.start(
            tool,
            source.connection(),
            target,
            label == null ? "lifeboat-" + target + "-" + id : label);
    ObjectUpload.Broadcast broadcast = null;
    try {
      onStart.accept(run);
      broadcast =
          ObjectUpload.toEvery(source.stores(), dataKey, CHUNK, source.settings().queueChunks());
      DigestingOutputStream digest = new DigestingOutputStream(broadcast);
      // encrypted: the hash and size cover the stored (age) bytes, so verify needs no secret
      OutputStream stored = Age.wrap(digest, recipients);
      TarScanner scanner;
      try (ZstdOutputStream zstd =
          new ZstdOutputStream(stored, source.settings().compressionLevel())) {
        if (source.settings().compressionWorkers() > 0) {
          zstd.setWorkers(source.settings().compressionWorkers());
        }
        scanner = new TarScanner(zstd);
        InputStream in = run.output();
        byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) > 0; ) {
          scanner.write(buffer, 0, n);
        }
        run.finish();
      }
      TarScanner.Scan scan = scanner.finishWithManifest();
      if (scan.tablespaceMapBytes() > 0) {
        throw new BaseBackupException(
            "the server of target '"
                + target
                + "' has tablespaces of its own; pg_basebackup to a stream copies only the main"
                + " one, so this base backup could not be restored",
            null);
      }
      Server after = server(source);
      if (!after.systemIdentifier().equals(before.systemIdentifier())) {
        throw new BaseBackupException(
            "target '"
                + target
                + "' answered as PostgreSQL system "
                + before.systemIdentifier()
                + " before the base backup and "
                + after.systemIdentifier()
                + " after it (a failover to another cluster?); nothing of it is kept",
            null);
      }
      Manifest manifest =
          manifest(source, id, label, startedAt, scan, before, tool, digest, recipients);
      Map<String, ObjectUpload.Broadcast.Outcome> outcomes =
          broadcast.finish(
              store -> BaseBackupCatalog.publish(store, manifest, source.signingKey()));
      return new Streamed(manifest, outcomes);
    } catch (IOException | RuntimeException e) {
      if (broadcast != null) {
        broadcast.abort();
      }
      run.cancel();
      if (e instanceof LifeboatException le) {
        throw le;
      }
      throw new BaseBackupException(
          "base backup of target '" + target + "' failed: " + ObjectUpload.Broadcast.message(e), e);
    } finally {
      run.close();
    }
  }

  private Manifest manifest(
      Source source,
      String id,
      String label,
      Instant startedAt,
      TarScanner.Scan scan,
      Server server,
      PgTool tool,
      DigestingOutputStream digest,
      List<String> recipients) {
    TarScanner.BackupLabel l = scan.label();
    TarScanner.WalRange stop = scan.stop();
    // pg_basebackup's manifest lists the newest timeline first: ours runs from start to stop
    List<Manifest.WalRange> ranges =
        scan.walRanges().stream()
            .sorted((a, b) -> a.start().compareTo(b.start()))
            .map(r -> new Manifest.WalRange(r.timeline(), r.start().toString(), r.end().toString()))
            .toList();
    long segmentSize = server.walSegmentSize();
    return new Manifest(
        id,
        source.target(),
        label,
        Manifest.KIND,
        startedAt,
        clock.instant(),
        recipients.isEmpty() ? Manifest.FORMAT : Manifest.FORMAT_AGE,
        digest.count(),
        digest.sha256Hex(),
        scan.tarBytes(),
        server.systemIdentifier(),
        segmentSize,
        l.startTimeline(),
        l.startLsn().toString(),
        l.checkpointLsn().toString(),
        stop.timeline(),
        stop.end().toString(),
        l.startSegment(),
        // the last segment it needs holds the byte before its stop
        new WalFiles.Segment(
                stop.timeline(), stop.end().precedingSegmentNumber(segmentSize), segmentSize)
            .name(),
        ranges,
        server.version(),
        tool.version(),
        LifeboatVersion.get(),
        recipients.isEmpty()
            ? null
            : new dev.lifeboat.catalog.Manifest.Encryption(Age.FORMAT, recipients),
        false);
  }

  /** What the server says it is, over replication and SQL. */
  record Server(String systemIdentifier, long walSegmentSize, String version, int major) {}

  private static Server server(Source source) {
    String systemIdentifier;
    long segmentSize;
    try (ReplicationConnection replication =
        ReplicationConnection.open(source.connection(), source.target())) {
      systemIdentifier = replication.identifySystem().systemIdentifier();
      segmentSize = replication.walSegmentSize();
    }
    try (Connection c = source.connection().open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      int num = rs.getInt(1);
      String version = (num / 10000) + "." + (num % 10000);
      return new Server(systemIdentifier, segmentSize, version, PgBinaries.serverMajor(num));
    } catch (SQLException e) {
      throw new BaseBackupException(
          "reading the server version of target '"
              + source.target()
              + "' failed: "
              + PgErrors.firstLine(e.getMessage()),
          e);
    }
  }
}
