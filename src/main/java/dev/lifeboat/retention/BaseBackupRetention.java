package dev.lifeboat.retention;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.Pin;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.retention.PruneReport.Kept;
import dev.lifeboat.retention.PruneReport.Retained;
import dev.lifeboat.retention.PruneReport.Wal;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prune of one store's {@code <target>.wal/} (plan §5.2): its base backups are decided by the same
 * {@link RetentionPolicy} as the dumps, as their own series (the newest complete one is always
 * kept, a pinned one is kept), then {@link WalRetention} says which WAL objects no kept base backup
 * needs. A base backup is deleted manifest first; the WAL plan is made after, from what is still
 * there, so a base backup the store refused to delete keeps its chain. With no complete base backup
 * in the store, or a listing that cannot be trusted, no WAL is deleted.
 */
final class BaseBackupRetention {

  /** The word a base backup still waiting for its WAL in this store is kept for. */
  static final String WAITING_FOR_WAL = "waiting-for-wal";

  private static final Logger LOG = LoggerFactory.getLogger(BaseBackupRetention.class);

  private BaseBackupRetention() {}

  /**
   * The system's timeline histories the store holds (only compressed, never encrypted), for the
   * check that the plan leaves every kept base backup's window as it was; one that cannot be read
   * is left out (logged): that timeline's WAL is then not followed by the check, and the plan's
   * deletions do not depend on it.
   */
  private static List<WalFiles.History> histories(
      BackupStore store, List<WalArchive.Entry> entries, String system) {
    List<WalFiles.History> histories = new ArrayList<>();
    for (WalArchive.Entry e : entries) {
      if (e.kind() != WalArchive.Kind.HISTORY
          || e.encrypted()
          || !e.systemIdentifier().equals(system)) {
        continue;
      }
      try (InputStream in = new ZstdInputStream(store.open(e.key()))) {
        histories.add(
            WalFiles.History.parse(
                e.timeline(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException | RuntimeException failure) {
        LOG.warn("store {}: {} could not be read: {}", store.name(), e.key(), failure.toString());
      }
    }
    return histories;
  }

  private static <T> List<T> nullIfEmpty(List<T> list) {
    return list.isEmpty() ? null : List.copyOf(list);
  }

  /**
   * One store's archive as listed: every object under {@code <target>.wal/}, the base backups it
   * holds, their objects by id, and the ids pinned there.
   */
  record Scan(
      BackupStore store,
      List<StoredObject> objects,
      BaseBackupCatalog.Listing listing,
      Map<String, List<StoredObject>> folders,
      Set<String> pinned) {

    /** The store holds nothing under {@code <target>.wal/}: nothing to report. */
    boolean empty() {
      return objects.isEmpty();
    }
  }

  /** Lists {@code store}'s archive of {@code target}; a store that cannot be listed throws. */
  static Scan scan(BackupStore store, String target, Instant now) {
    List<StoredObject> objects = store.list(WalArchive.root(target));
    if (objects.isEmpty()) {
      return new Scan(store, objects, null, Map.of(), Set.of());
    }
    BaseBackupCatalog.Listing listing = BaseBackupCatalog.list(target, store, now);
    String unreadable = listing.unreadableStores().get(store.name());
    if (unreadable != null) {
      throw new StoreException(store.name(), StoreException.Kind.UNAVAILABLE, unreadable);
    }
    String base = BaseBackupCatalog.folder(target);
    Map<String, List<StoredObject>> folders = new TreeMap<>();
    Set<String> pinned = new HashSet<>();
    for (StoredObject o : objects) {
      if (!o.key().startsWith(base)) {
        continue;
      }
      String[] parts = o.key().substring(base.length()).split("/", 2);
      if (parts.length == 2) {
        folders.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(o);
        if (parts[1].equals(Pin.FILE)) {
          pinned.add(parts[0]);
        }
      }
    }
    listing.entries().stream()
        .filter(e -> e.manifest().pinned())
        .forEach(e -> pinned.add(e.manifest().id()));
    return new Scan(store, objects, listing, folders, pinned);
  }

  /**
   * Decides and (unless {@code dryRun}) deletes. {@code pinned}: base-backup ids pinned in any
   * store; {@code hold}: why no base backup may be deleted (a store could not be read), or null.
   */
  static Wal prune(
      Scan scan,
      String target,
      RetentionRules rules,
      Duration failingAfter,
      Set<String> pinned,
      String hold,
      Clock clock,
      Duration leftoverAge,
      boolean dryRun) {
    BackupStore store = scan.store();
    Instant now = clock.instant();
    Map<String, BaseBackupCatalog.Manifest> complete = new LinkedHashMap<>();
    Map<String, BaseBackupCatalog.Manifest> waiting = new LinkedHashMap<>();
    for (BaseBackupCatalog.Entry e : scan.listing().entries()) {
      (e.completeIn().contains(store.name()) ? complete : waiting)
          .put(e.manifest().id(), e.manifest());
    }
    List<RetentionPolicy.Backup> series = new ArrayList<>();
    complete.forEach(
        (id, m) ->
            series.add(
                new RetentionPolicy.Backup(
                    id, m.completedAt(), m.label(), pinned.contains(id), null)));
    RetentionPolicy.Plan plan = RetentionPolicy.plan(series, clock, rules, failingAfter);
    List<Kept> kept = new ArrayList<>();
    plan.kept().forEach(d -> kept.add(new Kept(d.backup().id(), d.words())));
    List<String> toDelete =
        new ArrayList<>(plan.deleted().stream().map(d -> d.backup().id()).toList());
    // one still waiting for its WAL here: kept while it may yet complete (young, or newer than the
    // newest complete one) or pinned; an old one overtaken by a complete one never will
    Instant newestComplete =
        complete.values().stream()
            .map(BaseBackupCatalog.Manifest::completedAt)
            .max(Instant::compareTo)
            .orElse(null);
    waiting.forEach(
        (id, m) -> {
          boolean stale =
              newestComplete != null
                  && m.completedAt().isBefore(newestComplete)
                  && m.completedAt().isBefore(now.minus(leftoverAge))
                  && plan.guard() == null;
          if (stale && !pinned.contains(id)) {
            toDelete.add(id);
          } else {
            kept.add(new Kept(id, List.of(pinned.contains(id) ? "pinned" : WAITING_FOR_WAL)));
          }
        });
    if (hold != null) {
      toDelete.forEach(id -> kept.add(new Kept(id, List.of(Pruner.STORE_UNREADABLE))));
      toDelete.clear();
    }

    List<Retained> retained = new ArrayList<>();
    List<String> deleted = new ArrayList<>(toDelete);
    if (!dryRun && !toDelete.isEmpty()) {
      Map<String, String> refused =
          Pruner.delete(
              store,
              toDelete.stream().map(id -> BaseBackupCatalog.manifestKey(target, id)).toList());
      List<String> rest = new ArrayList<>();
      deleted.clear();
      for (String id : toDelete) {
        if (refused.containsKey(BaseBackupCatalog.manifestKey(target, id))) {
          kept.add(new Kept(id, List.of("retained-by-store")));
          continue; // still complete in this store: keep all of it, and its WAL
        }
        deleted.add(id);
        for (StoredObject o : scan.folders().getOrDefault(id, List.of())) {
          if (!o.key().equals(BaseBackupCatalog.manifestKey(target, id))) {
            rest.add(o.key());
          }
        }
      }
      refused.putAll(Pruner.delete(store, rest));
      refused.forEach((key, why) -> retained.add(new Retained(key, why)));
    }

    // the WAL: planned from the base backups still there (kept, waiting, refused)
    Set<String> gone = Set.copyOf(deleted);
    List<BaseBackupCatalog.Manifest> staying = new ArrayList<>();
    complete.values().stream().filter(m -> !gone.contains(m.id())).forEach(staying::add);
    waiting.values().stream().filter(m -> !gone.contains(m.id())).forEach(staying::add);
    BaseBackupCatalog.Manifest newest =
        complete.values().stream()
            .max(
                Comparator.comparing(BaseBackupCatalog.Manifest::completedAt)
                    .thenComparing(BaseBackupCatalog.Manifest::id))
            .orElse(null);
    if (newest == null) {
      return new Wal(
          kept,
          deleted,
          0,
          0,
          null,
          null,
          List.of("no base backup is complete in this store: every WAL object is kept"),
          nullIfEmpty(retained));
    }
    if (!scan.listing().invalidManifests().isEmpty()) {
      return new Wal(
          kept,
          deleted,
          0,
          0,
          null,
          null,
          List.of(
              "a base backup's manifest could not be read, so the WAL it needs is unknown: every"
                  + " WAL object is kept ("
                  + String.join("; ", scan.listing().invalidManifests())
                  + ")"),
          nullIfEmpty(retained));
    }
    String system = newest.systemIdentifier();
    long segmentSize = newest.walSegmentSize();
    List<WalArchive.Entry> entries = WalArchive.entries(target, segmentSize, scan.objects());
    List<WalArchive.BackupRange> ranges =
        staying.stream()
            .filter(m -> m.systemIdentifier().equals(system))
            .map(
                m ->
                    new WalArchive.BackupRange(
                        m.id(), m.timeline(), m.start(), m.stop(), m.completedAt()))
            .toList();
    WalRetention.Plan walPlan;
    try {
      walPlan =
          WalRetention.plan(
              entries, ranges, system, histories(store, entries, system), now, rules.minAge());
    } catch (IllegalStateException e) {
      // a plan that would change a kept base backup's window is a bug: refused, nothing deleted
      LOG.error("store {}: {}", store.name(), e.getMessage());
      return new Wal(
          kept, deleted, 0, 0, null, null, List.of(e.getMessage()), nullIfEmpty(retained));
    }
    Set<String> walGone = new HashSet<>(walPlan.delete());
    if (!dryRun && !walPlan.delete().isEmpty()) {
      Map<String, String> refused = Pruner.delete(store, walPlan.delete());
      refused.forEach((key, why) -> retained.add(new Retained(key, why)));
      walGone.removeAll(refused.keySet());
    }
    long bytes = 0;
    String oldest = null;
    for (WalArchive.Entry e : entries) {
      if (walGone.contains(e.key())) {
        bytes += e.storedBytes();
      } else if (oldest == null
          && e.kind() == WalArchive.Kind.SEGMENT
          && e.systemIdentifier().equals(system)) {
        oldest = e.segment().name(); // entries are in WAL order: the first left is the oldest
      }
    }
    Lsn keptFrom = walPlan.keepFrom();
    List<String> reasons = walPlan.reasons();
    return new Wal(
        kept,
        deleted,
        walGone.size(),
        bytes,
        keptFrom == null ? null : keptFrom.toString(),
        oldest,
        reasons,
        nullIfEmpty(retained));
  }
}
