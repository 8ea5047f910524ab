package dev.lifeboat.verify;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.target.Targets;
import dev.lifeboat.verify.Verify.WalReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;

/**
 * {@code verify --wal}: per store, lists the target's WAL archive (only {@code <target>.wal/}),
 * reads every object of it back once, streaming its stored bytes through SHA-256 against the
 * checksum in its key (no secret needed: the hash is over what is stored), and follows the chain of
 * the objects that hold: the contiguous runs, the gaps, the windows a point-in-time restore can
 * reach, the newest partial and its age. A corrupt copy of a segment does not count: with no good
 * copy its segment is a gap.
 */
@Component
final class WalChainCheck {

  private static final Logger log = LoggerFactory.getLogger(WalChainCheck.class);

  /** The archive's identity: its system and segment size (plan §2.6), written by the receiver. */
  static final String CLUSTER = "cluster.json";

  /** Objects read at once per store: enough to hide a store's latency, few enough for any. */
  static final int READS_PER_STORE = 4;

  private static final int BUFFER = 64 * 1024;
  private static final ObjectReader IDENTITY =
      Json.mapper()
          .readerFor(Identity.class)
          .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The base backups a store holds of one system, as the chain needs them. */
  @FunctionalInterface
  interface BaseBackups {
    List<WalArchive.BackupRange> of(BackupStore store, String target, String systemIdentifier);
  }

  /** What this check needs of {@code cluster.json}; the receiver writes more. */
  record Identity(String systemIdentifier, long walSegmentSize) {}

  private final Function<String, BackupStore> stores;
  private final BaseBackups baseBackups;
  private final Clock clock;

  @Autowired
  WalChainCheck(Targets targets, Clock clock) {
    this(
        targets::store,
        (store, target, system) -> baseBackups(store, target, system, clock),
        clock);
  }

  /**
   * The base backups of {@code system} that {@code store} holds, as the windows start from them.
   */
  static List<WalArchive.BackupRange> baseBackups(
      BackupStore store, String target, String system, Clock clock) {
    List<WalArchive.BackupRange> ranges = new ArrayList<>();
    for (BaseBackupCatalog.Entry e :
        BaseBackupCatalog.list(target, store, clock.instant()).entries()) {
      BaseBackupCatalog.Manifest m = e.manifest();
      if (system.equals(m.systemIdentifier())) {
        ranges.add(
            new WalArchive.BackupRange(m.id(), m.timeline(), m.start(), m.stop(), m.completedAt()));
      }
    }
    return ranges;
  }

  WalChainCheck(Function<String, BackupStore> stores, BaseBackups baseBackups, Clock clock) {
    this.stores = stores;
    this.baseBackups = baseBackups;
    this.clock = clock;
  }

  /** Checks the WAL archive of {@code target} (its archive name) in each store named. */
  WalReport check(String target, List<String> storeNames) {
    WalArchive.root(target); // a bad name fails before any store is read
    Map<String, Optional<Identity>> identities = new LinkedHashMap<>();
    Map<String, String> unreachable = new LinkedHashMap<>();
    for (String name : storeNames) {
      try {
        identities.put(name, identity(stores.apply(name), target));
      } catch (StoreException e) {
        unreachable.put(name, e.getMessage());
      }
    }
    // the identity is the target's: a store that lost its cluster.json is read with another's
    Optional<Identity> any = identities.values().stream().flatMap(Optional::stream).findFirst();
    ExecutorService pool = daemons(storeNames.size(), "verify-wal");
    try {
      List<Future<WalReport.Store>> futures = new ArrayList<>();
      for (String name : storeNames) {
        futures.add(
            pool.submit(
                () -> {
                  if (unreachable.containsKey(name)) {
                    return unreachable(name, unreachable.get(name));
                  }
                  Optional<Identity> own = identities.get(name);
                  return storeReport(stores.apply(name), target, own.isPresent() ? own : any);
                }));
      }
      List<WalReport.Store> reports = new ArrayList<>();
      for (Future<WalReport.Store> f : futures) {
        reports.add(f.get());
      }
      return new WalReport(
          target, any.map(Identity::systemIdentifier).orElse(null), List.copyOf(reports));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiveException("verify of the WAL interrupted", e);
    } catch (ExecutionException e) {
      throw new ArchiveException(
          "verify of the WAL failed: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Optional<Identity> identity(BackupStore store, String target) {
    byte[] json;
    try (InputStream in = store.open(WalArchive.root(target) + CLUSTER)) {
      json = in.readAllBytes();
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new StoreException(
          store.name(), StoreException.Kind.UNAVAILABLE, "cannot read " + CLUSTER, e);
    }
    try {
      Identity identity = IDENTITY.readValue(json);
      WalArchive.systemRoot(target, identity.systemIdentifier());
      if (!WalFiles.isValidSegmentSize(identity.walSegmentSize())) {
        throw new IllegalArgumentException(
            "walSegmentSize " + identity.walSegmentSize() + " is not a WAL segment size");
      }
      return Optional.of(identity);
    } catch (RuntimeException e) {
      // a damaged identity in one store must not hide the WAL the others can read
      log.warn(
          "store {}: {}{} is damaged: {}", store.name(), target, ".wal/" + CLUSTER, e.getMessage());
      return Optional.empty();
    }
  }

  private WalReport.Store storeReport(
      BackupStore store, String target, Optional<Identity> identity) {
    List<StoredObject> objects;
    try {
      objects =
          store.list(
              identity.isPresent()
                  ? WalArchive.systemRoot(target, identity.get().systemIdentifier())
                  : WalArchive.root(target));
    } catch (StoreException e) {
      return unreachable(store.name(), e.getMessage());
    }
    if (identity.isEmpty()) {
      return objects.isEmpty()
          ? empty(store.name(), "the store holds no WAL of target " + target)
          : broken(
              store.name(),
              "it holds WAL objects but no store holds "
                  + WalArchive.root(target)
                  + CLUSTER
                  + " (the archive's system and segment size), so the chain cannot be followed");
    }
    String system = identity.get().systemIdentifier();
    long segmentSize = identity.get().walSegmentSize();
    List<WalArchive.Entry> entries = WalArchive.entries(target, segmentSize, objects);
    if (entries.isEmpty()) {
      return empty(
          store.name(), "the store holds no WAL of target " + target + " (system " + system + ")");
    }
    List<Read> reads = readAll(store, entries);
    List<WalArchive.Entry> good = new ArrayList<>();
    List<WalFiles.History> histories = new ArrayList<>();
    List<WalReport.Corrupt> corrupt = new ArrayList<>();
    long bytes = 0;
    for (Read r : reads) {
      bytes += r.bytes();
      if (r.gone()) {
        continue;
      }
      if (r.problem() != null) {
        corrupt.add(new WalReport.Corrupt(r.entry().key(), r.problem()));
        continue;
      }
      if (r.entry().kind() == WalArchive.Kind.HISTORY && r.content() != null) {
        try {
          histories.add(WalFiles.History.parse(r.entry().timeline(), history(r.content())));
        } catch (IOException | RuntimeException e) {
          corrupt.add(
              new WalReport.Corrupt(
                  r.entry().key(),
                  "its checksum holds but it is no history file: " + e.getMessage()));
          continue;
        }
      }
      good.add(r.entry());
    }
    corrupt.sort(Comparator.comparing(WalReport.Corrupt::key));
    List<WalArchive.BackupRange> backups = baseBackups.of(store, target, system);
    WalArchive.Chain chain = WalArchive.chain(segmentSize, good, backups, histories);
    return storeReport(store.name(), chain, backups, corrupt, reads.size(), bytes);
  }

  private WalReport.Store storeReport(
      String store,
      WalArchive.Chain chain,
      List<WalArchive.BackupRange> backups,
      List<WalReport.Corrupt> corrupt,
      long objects,
      long bytes) {
    List<WalReport.Run> runs =
        chain.runs().stream()
            .map(
                r ->
                    new WalReport.Run(
                        r.first().name(),
                        r.last().name(),
                        r.segments(),
                        r.end().toString(),
                        r.lastModified()))
            .toList();
    List<WalReport.Gap> gaps =
        chain.gaps().stream()
            .map(g -> new WalReport.Gap(g.from().name(), g.to().name(), g.segments()))
            .toList();
    List<WalReport.Window> windows =
        chain.windows().stream()
            .map(
                w ->
                    new WalReport.Window(
                        w.baseBackup(),
                        w.from(),
                        w.to(),
                        w.timeline(),
                        w.fromLsn().toString(),
                        w.toLsn().toString()))
            .toList();
    Optional<WalArchive.Run> newest = chain.newest();
    WalReport.Partial partial =
        newest.map(WalArchive.Run::partial).map(p -> partial(p, clock.instant())).orElse(null);
    List<String> problems = new ArrayList<>();
    if (!gaps.isEmpty()) {
      WalReport.Gap first = gaps.get(0);
      long after = gaps.stream().mapToLong(WalReport.Gap::segments).sum() - 1;
      problems.add(
          "segment "
              + first.from()
              + " missing"
              + (after > 0 ? " (and " + after + " more in " + gaps.size() + " gap(s))" : ""));
    }
    if (!corrupt.isEmpty()) {
      problems.add(
          corrupt.size()
              + " corrupt or unreadable object(s): "
              + String.join(", ", corrupt.stream().map(WalReport.Corrupt::key).limit(3).toList())
              + (corrupt.size() > 3 ? ", …" : ""));
    }
    if (!backups.isEmpty()
        && newest.isPresent()
        && chain.windows().stream().noneMatch(w -> w.toLsn().equals(newest.get().end()))) {
      problems.add(
          "no base backup's window reaches the newest WAL ("
              + newest.get().end()
              + "): a restore cannot reach it");
    }
    long segments = chain.segments();
    String detail =
        problems.isEmpty()
            ? segments
                + " segment(s)"
                + (partial != null ? " and a partial" : "")
                + " on timeline "
                + chain.timeline()
                + ", checksums ok"
                + (backups.isEmpty() ? "; no base backup yet, so no recoverable window" : "")
            : String.join("; ", problems);
    if (!chain.timelinesWithoutHistory().isEmpty()) {
      // an encrypted history needs a secret verify does without; the WAL after it is not judged
      detail +=
          "; the WAL of timeline(s) "
              + chain.timelinesWithoutHistory()
              + " is not followed: its history file is encrypted or not stored";
    }
    return new WalReport.Store(
        store,
        problems.isEmpty() ? WalReport.Status.OK : WalReport.Status.BROKEN,
        detail,
        chain.timeline(),
        segments,
        objects,
        bytes,
        runs,
        gaps,
        List.copyOf(corrupt),
        windows,
        partial,
        chain.timelinesWithoutHistory());
  }

  private static WalReport.Partial partial(WalArchive.Entry p, Instant now) {
    long age =
        p.lastModified() == null
            ? 0
            : Math.max(0, Duration.between(p.lastModified(), now).getSeconds());
    return new WalReport.Partial(p.segment().name(), p.validBytes(), p.lastModified(), age);
  }

  /**
   * One object read back: its stored bytes, what is wrong with it (null: its checksum holds), the
   * content of a history file, or {@code gone} for a partial a newer one replaced since the
   * listing.
   */
  private record Read(
      WalArchive.Entry entry, long bytes, String problem, byte[] content, boolean gone) {}

  private static List<Read> readAll(BackupStore store, List<WalArchive.Entry> entries) {
    ExecutorService pool = daemons(READS_PER_STORE, "verify-wal-" + store.name());
    try {
      List<Future<Read>> futures = new ArrayList<>();
      for (WalArchive.Entry e : entries) {
        futures.add(pool.submit(() -> read(store, e)));
      }
      List<Read> reads = new ArrayList<>();
      for (Future<Read> f : futures) {
        reads.add(f.get());
      }
      return reads;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiveException("verify of the WAL interrupted", e);
    } catch (ExecutionException e) {
      throw new ArchiveException(
          "verify of the WAL in store " + store.name() + " failed: " + e.getCause().getMessage(),
          e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Read read(BackupStore store, WalArchive.Entry entry) {
    MessageDigest sha256 = sha256();
    boolean history = entry.kind() == WalArchive.Kind.HISTORY;
    ByteArrayOutputStream content = history ? new ByteArrayOutputStream() : null;
    long bytes = 0;
    try (InputStream in = store.open(entry.key())) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha256.update(buffer, 0, n);
        bytes += n;
        if (content != null) {
          content.write(buffer, 0, n);
        }
      }
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND && entry.kind() == WalArchive.Kind.PARTIAL) {
        log.info(
            "store {}: {} was replaced by a newer partial while read", store.name(), entry.key());
        return new Read(entry, bytes, null, null, true);
      }
      return new Read(entry, bytes, "unreadable: " + e.getMessage(), null, false);
    } catch (IOException e) {
      return new Read(entry, bytes, "unreadable: " + e.getMessage(), null, false);
    }
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (!actual.equals(entry.sha256())) {
      return new Read(
          entry,
          bytes,
          "checksum mismatch: its " + bytes + " stored bytes hash to " + actual,
          null,
          false);
    }
    // an encrypted history file opens only with a secret verify does not need: not followed
    byte[] text = history && !entry.encrypted() ? content.toByteArray() : null;
    return new Read(entry, bytes, null, text, false);
  }

  private static String history(byte[] zstd) throws IOException {
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(zstd))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static WalReport.Store unreachable(String store, String why) {
    return failed(store, WalReport.Status.UNREACHABLE, why);
  }

  private static WalReport.Store empty(String store, String why) {
    return failed(store, WalReport.Status.EMPTY, why);
  }

  private static WalReport.Store broken(String store, String why) {
    return failed(store, WalReport.Status.BROKEN, why);
  }

  private static WalReport.Store failed(String store, WalReport.Status status, String why) {
    return new WalReport.Store(
        store, status, why, null, 0, 0, 0, List.of(), List.of(), List.of(), List.of(), null,
        List.of());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  private static ExecutorService daemons(int threads, String name) {
    return Executors.newFixedThreadPool(
        Math.max(1, threads),
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
