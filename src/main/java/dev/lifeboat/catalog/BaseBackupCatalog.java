package dev.lifeboat.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The base backups of a target (issue 21, plan §4.3), read from the stores: {@code
 * <target>.wal/base/<id>/base.tar.zst[.age]} and {@code basebackup.json} (+ {@code .sig}) written
 * last. A base backup is <em>complete in a store</em> only when that store also holds every WAL
 * segment from its start to its stop: derived at listing time, never stored, so a store whose WAL
 * catches up later lists it without any write.
 */
@Component
public final class BaseBackupCatalog {

  /** Under the target's WAL archive: {@code <target>.wal/base/}. */
  public static final String FOLDER = "base/";

  /** The manifest's name: written last, its presence means "the data object is whole". */
  public static final String FILE = "basebackup.json";

  /** Its detached signature, written just before it. */
  public static final String SIGNATURE_FILE = FILE + ".sig";

  /** The data object: pg_basebackup's tar, zstd. */
  public static final String DATA_FILE = "base.tar.zst";

  private final Targets targets;
  private final Clock clock;

  BaseBackupCatalog(Targets targets, Clock clock) {
    this.targets = targets;
    this.clock = clock;
  }

  /**
   * The record of one base backup, {@code basebackup.json}. LSNs are written as PostgreSQL writes
   * them ({@code 0/4000028}); {@code walRanges} are the WAL a restore needs per timeline, as
   * pg_basebackup's own {@code backup_manifest} gives them, from {@code startLsn} to {@code
   * stopLsn}.
   *
   * @param sizeBytes size of the stored data object
   * @param sha256 hex SHA-256 of the stored data object
   * @param rawBytes size of the tar before compression
   * @param encryption how the data object is encrypted; null when it is not
   */
  public record Manifest(
      String id,
      String target,
      String label,
      String kind,
      Instant startedAt,
      Instant completedAt,
      String format,
      long sizeBytes,
      String sha256,
      long rawBytes,
      String systemIdentifier,
      long walSegmentSize,
      long timeline,
      String startLsn,
      String checkpointLsn,
      long stopTimeline,
      String stopLsn,
      String startSegment,
      String stopSegment,
      List<WalRange> walRanges,
      String serverVersion,
      String pgBasebackupVersion,
      String lifeboatVersion,
      @JsonInclude(JsonInclude.Include.NON_NULL)
          dev.lifeboat.catalog.Manifest.Encryption encryption,
      boolean pinned) {

    /** The {@code kind} of every base backup manifest (a dump's manifest has none). */
    public static final String KIND = "basebackup";

    public static final String FORMAT = "pg_basebackup-tar+zstd";

    public static final String FORMAT_AGE = FORMAT + "+age";

    /** The WAL of one timeline a restore of the base backup needs: {@code [startLsn, endLsn)}. */
    public record WalRange(long timeline, String startLsn, String endLsn) {}

    public Manifest {
      walRanges = walRanges == null ? null : List.copyOf(walRanges);
    }

    public Lsn start() {
      return Lsn.parse(startLsn);
    }

    public Lsn stop() {
      return Lsn.parse(stopLsn);
    }

    public boolean encrypted() {
      return encryption != null;
    }

    /**
     * The timelines recovery follows from start to stop, as a history (empty for one timeline):
     * each earlier range's timeline switched to the next at its end.
     */
    public WalFiles.History history() {
      List<WalFiles.History.Switch> switches = new ArrayList<>();
      for (int i = 0; i + 1 < walRanges.size(); i++) {
        WalRange r = walRanges.get(i);
        switches.add(new WalFiles.History.Switch(r.timeline(), Lsn.parse(r.endLsn()), "base"));
      }
      return new WalFiles.History(stopTimeline, switches);
    }

    /** The segments it needs, each on the timeline recovery reads it from, in WAL order. */
    public List<WalFiles.Segment> segments() {
      WalFiles.History path = history();
      long first = start().segmentNumber(walSegmentSize);
      long last = stop().precedingSegmentNumber(walSegmentSize);
      List<WalFiles.Segment> segments = new ArrayList<>();
      for (long n = first; n <= last; n++) {
        segments.add(
            new WalFiles.Segment(path.timelineOfSegment(n, walSegmentSize), n, walSegmentSize));
      }
      return segments;
    }
  }

  /**
   * One base backup whose manifest a store holds: the stores where it is complete (its WAL is there
   * too, the target's store order) and those where it still waits for WAL.
   */
  public record Entry(Manifest manifest, List<String> completeIn, List<String> waitingIn) {
    public Entry {
      completeIn = List.copyOf(completeIn);
      waitingIn = List.copyOf(waitingIn);
    }

    public boolean complete() {
      return !completeIn.isEmpty();
    }
  }

  /**
   * Every base backup with a manifest in some store, newest first; the stores that could not be
   * read (name → why); the manifests skipped as invalid (one line each, naming store and key).
   */
  public record Listing(
      List<Entry> entries, Map<String, String> unreadableStores, List<String> invalidManifests) {}

  /** {@code <target>.wal/base/}. */
  public static String folder(String target) {
    return WalArchive.root(target) + FOLDER;
  }

  /** {@code <target>.wal/base/<id>/}. */
  public static String folder(String target, String id) {
    return folder(target) + id + "/";
  }

  /** The key of the data object: {@code base.tar.zst}, {@code .age} when encrypted. */
  public static String dataKey(String target, String id, boolean encrypted) {
    return folder(target, id) + DATA_FILE + (encrypted ? ".age" : "");
  }

  public static String manifestKey(String target, String id) {
    return folder(target, id) + FILE;
  }

  public static String signatureKey(String target, String id) {
    return folder(target, id) + SIGNATURE_FILE;
  }

  /**
   * Writes {@code manifest}'s signature and then the manifest into {@code store}, after its data
   * object committed there.
   */
  public static void publish(BackupStore store, Manifest manifest, SigningKey signingKey) {
    BaseBackupManifests.publish(store, manifest, signingKey);
  }

  /** The base backups of {@code target} in its stores, with where each is complete. */
  public Listing list(Target target) {
    return list(target.name(), targets.stores(target), clock.instant());
  }

  /**
   * The stores among {@code stores} that hold every WAL segment {@code manifest} needs (completed,
   * not partial) and the history files of its later timelines.
   */
  public static List<String> completeIn(
      String target, Manifest manifest, List<BackupStore> stores) {
    List<String> complete = new ArrayList<>();
    for (BackupStore store : stores) {
      if (missingWal(target, manifest, walOf(store, target, List.of(manifest))).isEmpty()) {
        complete.add(store.name());
      }
    }
    return complete;
  }

  /**
   * The base backups {@code store} holds of {@code target}, complete there or waiting for WAL, as
   * prune judges them store by store; a store that cannot be read is in {@code unreadableStores}.
   */
  public static Listing list(String target, BackupStore store, Instant now) {
    return list(target, List.of(store), now);
  }

  /**
   * The base backup manifests {@code store} holds of {@code target}, valid and signed as {@link
   * #list} reads them, without looking at the WAL; each invalid one goes to {@code invalid}, one
   * line naming store and key.
   *
   * @throws StoreException when the store cannot be listed or read
   */
  public static List<Manifest> manifests(
      String target, BackupStore store, Instant now, List<String> invalid) {
    List<Manifest> found = new ArrayList<>();
    for (StoredObject object : store.list(folder(target))) {
      String[] parts = object.key().substring(folder(target).length()).split("/");
      if (parts.length != 2 || !parts[1].equals(FILE)) {
        continue;
      }
      try {
        found.add(
            BaseBackupManifests.read(
                ManifestSignatures.read(store, object.key()), target, parts[0], now));
      } catch (IllegalArgumentException e) {
        invalid.add("store '" + store.name() + "' " + object.key() + ": " + e.getMessage());
      } catch (StoreException e) {
        if (e.kind() != StoreException.Kind.NOT_FOUND) {
          throw e;
        }
        // deleted between the listing and the read: not there any more
      }
    }
    return found;
  }

  static Listing list(String target, List<BackupStore> stores, Instant now) {
    Map<String, Manifest> manifests = new LinkedHashMap<>();
    Map<String, List<String>> complete = new LinkedHashMap<>();
    Map<String, List<String>> waiting = new LinkedHashMap<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    List<String> invalid = new ArrayList<>();
    for (BackupStore store : stores) {
      try {
        List<Manifest> here = new ArrayList<>();
        for (Manifest m : manifests(target, store, now, invalid)) {
          Manifest first = manifests.putIfAbsent(m.id(), m);
          if (first != null && !first.sha256().equals(m.sha256())) {
            invalid.add(
                "store '"
                    + store.name()
                    + "' "
                    + manifestKey(target, m.id())
                    + ": differs from another store's copy (sha256)");
            continue;
          }
          here.add(m);
        }
        Set<String> wal = walOf(store, target, here);
        for (Manifest m : here) {
          (missingWal(target, m, wal).isEmpty() ? complete : waiting)
              .computeIfAbsent(m.id(), k -> new ArrayList<>())
              .add(store.name());
        }
      } catch (StoreException e) {
        unreadable.put(store.name(), e.getMessage());
      }
    }
    List<Entry> entries = new ArrayList<>();
    manifests.forEach(
        (id, m) ->
            entries.add(
                new Entry(
                    m, complete.getOrDefault(id, List.of()), waiting.getOrDefault(id, List.of()))));
    entries.sort(
        Comparator.comparing((Entry e) -> e.manifest().completedAt())
            .thenComparing(e -> e.manifest().id())
            .reversed());
    return new Listing(List.copyOf(entries), unreadable, List.copyOf(invalid));
  }

  /**
   * What of {@code manifest}'s WAL is not among {@code wal} (the names {@link #walOf} gives): each
   * missing segment or history file by name, in WAL order; empty when the store holds it all.
   */
  static List<String> missingWal(String target, Manifest manifest, Set<String> wal) {
    List<String> missing = new ArrayList<>();
    String system = manifest.systemIdentifier();
    for (long timeline : manifest.history().timelines()) {
      String name = system + "/" + WalFiles.historyFileName(timeline);
      if (timeline > 1 && !wal.contains(name)) {
        missing.add(WalFiles.historyFileName(timeline));
      }
    }
    for (WalFiles.Segment s : manifest.segments()) {
      if (!wal.contains(system + "/" + s.name())) {
        missing.add(s.name());
      }
    }
    return missing;
  }

  /**
   * The completed segments and history files {@code store} holds in the folders the base backups
   * need, as {@code <sysid>/<name>}: one LIST per folder, each folder once however many backups
   * need it.
   */
  static Set<String> walOf(BackupStore store, String target, List<Manifest> needing) {
    Set<String> prefixes = new LinkedHashSet<>();
    Map<String, Long> segmentSizes = new LinkedHashMap<>();
    for (Manifest m : needing) {
      WalFiles.History path = m.history();
      long first = m.start().segmentNumber(m.walSegmentSize());
      long last = m.stop().precedingSegmentNumber(m.walSegmentSize());
      WalArchive.folders(target, m.systemIdentifier(), path, first, last, m.walSegmentSize())
          .forEach(group -> group.forEach(f -> segmentSizes.put(f, m.walSegmentSize())));
      if (path.timeline() > 1) {
        String history = WalArchive.historyFolder(target, m.systemIdentifier());
        prefixes.add(history);
        segmentSizes.putIfAbsent(history, m.walSegmentSize());
      }
    }
    prefixes.addAll(segmentSizes.keySet());
    Set<String> names = new HashSet<>();
    for (String prefix : prefixes) {
      long segmentSize = segmentSizes.get(prefix);
      for (WalArchive.Entry e : WalArchive.entries(target, segmentSize, store.list(prefix))) {
        switch (e.kind()) {
          case SEGMENT -> names.add(e.systemIdentifier() + "/" + e.segment().name());
          case HISTORY ->
              names.add(e.systemIdentifier() + "/" + WalFiles.historyFileName(e.timeline()));
          case PARTIAL -> {} // a partial segment is not yet the WAL a restore can count on
        }
      }
    }
    return names;
  }
}
