package dev.lifeboat.retention;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.catalog.InFlight;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestReads;
import dev.lifeboat.catalog.Pin;
import dev.lifeboat.catalog.Verifications;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.retention.PruneReport.Cleaned;
import dev.lifeboat.retention.PruneReport.Kept;
import dev.lifeboat.retention.PruneReport.Retained;
import dev.lifeboat.retention.PruneReport.StoreReport;
import dev.lifeboat.retention.PruneReport.StoreStatus;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.Leftover;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The work of one prune: reads every store of the target, decides with {@link RetentionPolicy} per
 * store, then (unless dry) deletes: each pruned backup's manifest first, then the rest, so a
 * half-pruned backup is never listed as complete; and cleans up what crashes left behind.
 */
@Component
final class Pruner {

  private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

  /** Leftovers younger than this may belong to a backup still running somewhere. */
  static final Duration LEFTOVER_AGE = Duration.ofDays(1);

  private final LifeboatConfig config;
  private final Targets targets;
  private final Clock clock;
  private final RetentionMetrics metrics;

  Pruner(LifeboatConfig config, Targets targets, Clock clock, RetentionMetrics metrics) {
    this.config = config;
    this.targets = targets;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** One store's objects of the target, grouped by backup id. */
  private record Scan(
      BackupStore store,
      Map<String, List<StoredObject>> byId,
      Map<String, Manifest> manifests,
      Map<String, String> invalid) {}

  PruneReport prune(Target target, String onlyStore, boolean dryRun) {
    List<BackupStore> stores = targets.stores(target);
    if (onlyStore != null && stores.stream().noneMatch(s -> s.name().equals(onlyStore))) {
      throw new ConfigException(
          "--store",
          "target '"
              + target.name()
              + "' has no store '"
              + onlyStore
              + "' (its stores: "
              + target.stores()
              + ")");
    }
    Instant now = clock.instant();
    Duration failingAfter = RetentionSettings.failingAfter(config.properties(), target.name(), now);
    Map<String, Scan> scans = new LinkedHashMap<>();
    Map<String, String> down = new LinkedHashMap<>();
    for (BackupStore store : stores) {
      try {
        scans.put(store.name(), scan(store, target, now));
      } catch (StoreException e) {
        down.put(store.name(), e.getMessage());
      }
    }
    // a pin or a verified mark in any store counts in all: more is kept, never less
    Set<String> pinned = new HashSet<>();
    Map<String, Instant> verified = new HashMap<>();
    for (Scan scan : scans.values()) {
      scan.byId()
          .forEach(
              (id, objects) -> {
                for (StoredObject o : objects) {
                  String file = o.key().substring(o.key().lastIndexOf('/') + 1);
                  if (file.equals(Pin.FILE)) {
                    pinned.add(id);
                  } else if (file.equals(Verifications.FILE)) {
                    verified.merge(
                        id, o.lastModified() == null ? now : o.lastModified(), Pruner::later);
                  }
                }
              });
    }
    // a store that cannot be read may hold a pin (or a verified mark) the others lack: deleting
    // anywhere then could delete a pinned backup, so nothing is deleted until every store answers
    String hold =
        down.isEmpty()
            ? null
            : "store"
                + (down.size() == 1 ? " '" : "s '")
                + String.join("', '", down.keySet())
                + "' could not be read: a pin kept there would be missed, so no backup is deleted"
                + " in any store of the target (leftovers are still cleaned); prune again when"
                + " every store answers";
    // the WAL archives: listed in every store that answered, for the pins of base backups
    Map<String, BaseBackupRetention.Scan> walScans = new LinkedHashMap<>();
    Map<String, String> walDown = new LinkedHashMap<>();
    Set<String> pinnedBase = new HashSet<>();
    for (BackupStore store : stores) {
      if (down.containsKey(store.name())) {
        continue;
      }
      try {
        BaseBackupRetention.Scan scan = BaseBackupRetention.scan(store, target.name(), now);
        walScans.put(store.name(), scan);
        pinnedBase.addAll(scan.pinned());
      } catch (StoreException e) {
        LOG.warn("store {}: its WAL archive could not be listed: {}", store.name(), e.getMessage());
        walDown.put(store.name(), e.getMessage());
      }
    }
    String walHold =
        down.isEmpty() && walDown.isEmpty()
            ? null
            : "a store could not be read, so a pin kept there would be missed: no base backup is"
                + " deleted";
    List<StoreReport> reports = new ArrayList<>();
    for (BackupStore store : stores) {
      if (onlyStore != null && !store.name().equals(onlyStore)) {
        continue;
      }
      RetentionRules rules =
          RetentionSettings.rules(config.properties(), target.name(), store.name());
      if (down.containsKey(store.name())) {
        reports.add(skipped(store.name(), rules, down.get(store.name())));
        continue;
      }
      Scan scan = scans.get(store.name());
      try {
        StoreReport report =
            pruneStore(scan, target, rules, failingAfter, pinned, verified, hold, now, dryRun);
        reports.add(
            report.withWal(
                wal(
                    walScans.get(store.name()),
                    walDown.get(store.name()),
                    target,
                    rules,
                    RetentionSettings.baseBackupsFailingAfter(
                        config.properties(), target.name(), now),
                    pinnedBase,
                    walHold,
                    now,
                    dryRun)));
      } catch (StoreException | InconsistentListing e) {
        reports.add(skipped(store.name(), rules, e.getMessage()));
      }
    }
    List<Cleaned> spool = spool(dryRun);
    long skipped = reports.stream().filter(r -> r.status() == StoreStatus.SKIPPED).count();
    Outcome status =
        skipped == 0
            ? Outcome.SUCCESS
            : skipped == reports.size() ? Outcome.FAILED : Outcome.PARTIAL;
    int deleted = reports.stream().mapToInt(r -> r.deleted().size()).sum();
    int cleaned = reports.stream().mapToInt(r -> r.cleaned().size()).sum() + spool.size();
    String summary =
        (dryRun ? "would delete " : "deleted ")
            + deleted
            + " backup"
            + (deleted == 1 ? "" : "s")
            + " and clean "
            + cleaned
            + " leftover"
            + (cleaned == 1 ? "" : "s")
            + " in "
            + (reports.size() - skipped)
            + " store"
            + (reports.size() - skipped == 1 ? "" : "s");
    List<PruneReport.Wal> wals =
        reports.stream().map(StoreReport::wal).filter(w -> w != null).toList();
    if (!wals.isEmpty()) {
      int bases = wals.stream().mapToInt(w -> w.deleted().size()).sum();
      long walObjects = wals.stream().mapToLong(PruneReport.Wal::walDeleted).sum();
      long walBytes = wals.stream().mapToLong(PruneReport.Wal::walDeletedBytes).sum();
      summary +=
          "; "
              + bases
              + " base backup"
              + (bases == 1 ? "" : "s")
              + " and "
              + walObjects
              + " WAL object"
              + (walObjects == 1 ? "" : "s")
              + " ("
              + walBytes
              + " bytes)";
    }
    String error =
        skipped == 0
            ? null
            : String.join(
                "; ",
                reports.stream()
                    .filter(r -> r.error() != null)
                    .map(r -> "store '" + r.store() + "' skipped: " + r.error())
                    .toList());
    return new PruneReport(
        target.name(), dryRun, status, summary, error, List.copyOf(reports), spool);
  }

  /** The WAL part of a store's report: null when the store holds nothing under {@code .wal/}. */
  private PruneReport.Wal wal(
      BaseBackupRetention.Scan scan,
      String unlistable,
      Target target,
      RetentionRules rules,
      Duration failingAfter,
      Set<String> pinned,
      String hold,
      Instant now,
      boolean dryRun) {
    if (unlistable != null) {
      return walUntouched(
          "its WAL archive could not be listed, so nothing of it is deleted: " + unlistable);
    }
    if (scan == null || scan.empty()) {
      return null;
    }
    Duration leftoverAge = config.properties().retention().leftoverAge();
    try {
      return BaseBackupRetention.prune(
          scan,
          target.name(),
          rules,
          failingAfter,
          pinned,
          hold,
          Clock.fixed(now, clock.getZone()),
          leftoverAge == null ? LEFTOVER_AGE : leftoverAge,
          dryRun);
    } catch (StoreException | IllegalStateException e) {
      // a store that went down half-way, or a plan that would break a chain: stop, keep the rest
      LOG.error(
          "store {}: the WAL archive was not pruned: {}", scan.store().name(), e.getMessage());
      return walUntouched(
          "the WAL archive was not pruned (what is left is kept): " + e.getMessage());
    }
  }

  private static PruneReport.Wal walUntouched(String why) {
    return new PruneReport.Wal(List.of(), List.of(), 0, 0, null, null, List.of(why), null);
  }

  private static StoreReport skipped(String store, RetentionRules rules, String why) {
    return new StoreReport(
        store,
        StoreStatus.SKIPPED,
        rules.describe(),
        null,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        why);
  }

  private Scan scan(BackupStore store, Target target, Instant now) {
    Map<String, List<StoredObject>> byId = new TreeMap<>();
    List<StoredObject> objects = store.list(target.name() + "/");
    for (StoredObject o : objects) {
      String[] parts = o.key().split("/", 3);
      if (parts.length < 3 || !Manifest.isBackupId(parts[1])) {
        continue; // not under <target>/<id>/ (a folder of WAL, of notes): not ours to judge
      }
      byId.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(o);
    }
    // thousands of small reads: in parallel and, for manifests read before, from the local cache,
    // so 10,000 backups plan in seconds
    ManifestReads.Result read =
        ManifestReads.read(store, target.name(), objects, now, ManifestReads.cacheRoot(config));
    Map<String, Manifest> manifests = new HashMap<>(read.manifests());
    Map<String, String> invalid = new TreeMap<>(read.invalid());
    return new Scan(store, byId, manifests, invalid);
  }

  private StoreReport pruneStore(
      Scan scan,
      Target target,
      RetentionRules rules,
      Duration failingAfter,
      Set<String> pinned,
      Map<String, Instant> verified,
      String hold,
      Instant now,
      boolean dryRun) {
    BackupStore store = scan.store();
    List<RetentionPolicy.Backup> backups = new ArrayList<>();
    scan.manifests()
        .forEach(
            (id, m) ->
                backups.add(
                    new RetentionPolicy.Backup(
                        id,
                        m.completedAt(),
                        m.label(),
                        m.pinned() || pinned.contains(id),
                        verified.get(id))));
    RetentionPolicy.Plan plan =
        RetentionPolicy.plan(backups, Clock.fixed(now, clock.getZone()), rules, failingAfter);
    List<Kept> kept =
        new ArrayList<>(
            plan.kept().stream().map(d -> new Kept(d.backup().id(), d.words())).toList());
    List<String> toDelete = plan.deleted().stream().map(d -> d.backup().id()).toList();
    String guard = plan.guard();
    if (hold != null) {
      toDelete.forEach(id -> kept.add(new Kept(id, List.of(STORE_UNREADABLE))));
      toDelete = List.of();
      guard = guard == null ? hold : guard + "; " + hold;
    }
    List<Retained> leftAlone = new ArrayList<>();
    scan.invalid()
        .forEach(
            (id, why) ->
                leftAlone.add(
                    new Retained(
                        Manifest.manifestKey(target.name(), id),
                        "invalid manifest, left alone: " + why)));

    // a backup that says it is running (a fresh marker) is never a leftover, whatever its age
    Map<String, Instant> inFlight = new TreeMap<>();
    scan.byId()
        .forEach(
            (id, objects) ->
                objects.stream()
                    .filter(o -> isFile(o, InFlight.FILE) && InFlight.fresh(o, now))
                    .findFirst()
                    .ifPresent(o -> inFlight.put(id, o.lastModified())));
    inFlight.forEach(
        (id, refreshed) ->
            leftAlone.add(
                new Retained(
                    InFlight.key(target.name(), id),
                    "a backup in flight (its marker was refreshed "
                        + (refreshed == null ? "just now" : "at " + refreshed)
                        + "): its objects and uploads are left alone")));

    // leftovers: objects of ids without a manifest, untouched for a day
    Duration leftoverAge = config.properties().retention().leftoverAge();
    Instant leftoverBefore = now.minus(leftoverAge == null ? LEFTOVER_AGE : leftoverAge);
    List<Cleaned> cleaned = new ArrayList<>();
    List<String> incompleteKeys = new ArrayList<>();
    for (Map.Entry<String, List<StoredObject>> e : scan.byId().entrySet()) {
      String id = e.getKey();
      List<StoredObject> objects = e.getValue();
      boolean hasManifest = objects.stream().anyMatch(o -> isFile(o, Manifest.FILE));
      Instant newest =
          objects.stream()
              .map(StoredObject::lastModified)
              .map(t -> t == null ? now : t)
              .max(Instant::compareTo)
              .orElse(now);
      if (!hasManifest && newest.isBefore(leftoverBefore) && !inFlight.containsKey(id)) {
        // the listing says there is no manifest: a direct read must say so too before anything
        // is deleted, or a listing that ended too soon would delete a complete backup's dump
        confirmAbsent(store, Manifest.manifestKey(target.name(), id));
        cleaned.add(new Cleaned("incomplete-backup", target.name() + "/" + id, newest));
        objects.forEach(o -> incompleteKeys.add(o.key()));
      } else if (hasManifest
          && scan.manifests().containsKey(id)
          && objects.stream().noneMatch(o -> isFile(o, Manifest.DUMP_FILE))) {
        // a complete backup whose dump the listing left out: either the listing is cut short or
        // the dump is gone; only the first is a reason to stop here (verify reports the second)
        confirmAbsent(store, Manifest.dumpKey(target.name(), id));
      }
    }
    List<Leftover> leftovers = new ArrayList<>();
    for (Leftover l : store.leftovers(target.name() + "/")) {
      if (l.since() != null
          && l.since().isBefore(leftoverBefore)
          && !inFlight.containsKey(idOf(l.key()))) {
        leftovers.add(l);
        cleaned.add(new Cleaned(l.kind().word(), l.key(), l.since()));
      }
    }
    if (dryRun) {
      return new StoreReport(
          store.name(),
          StoreStatus.PLANNED,
          rules.describe(),
          guard,
          kept,
          toDelete,
          cleaned,
          List.of(),
          leftAlone,
          null);
    }

    // act: manifests first, so a backup is never half-deleted and still listed as complete
    Map<String, String> refused = new LinkedHashMap<>();
    List<String> manifestKeys =
        toDelete.stream().map(id -> Manifest.manifestKey(target.name(), id)).toList();
    refused.putAll(delete(store, manifestKeys));
    List<String> deleted = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String id : toDelete) {
      if (refused.containsKey(Manifest.manifestKey(target.name(), id))) {
        continue; // still complete in this store: keep all of it
      }
      deleted.add(id);
      for (StoredObject o : scan.byId().get(id)) {
        if (!isFile(o, Manifest.FILE)) {
          rest.add(o.key());
        }
      }
    }
    rest.addAll(incompleteKeys);
    refused.putAll(delete(store, rest));
    List<Cleaned> done = new ArrayList<>();
    for (Cleaned c : cleaned) {
      if (c.kind().equals("incomplete-backup")) {
        if (refused.keySet().stream().noneMatch(k -> k.startsWith(c.key() + "/"))) {
          done.add(c);
        }
      }
    }
    for (Leftover l : leftovers) {
      try {
        store.removeLeftover(l);
        done.add(new Cleaned(l.kind().word(), l.key(), l.since()));
      } catch (StoreException e) {
        requireReachable(e);
        refused.put(l.describe(), e.getMessage());
      }
    }
    List<Retained> retained = new ArrayList<>();
    refused.forEach((key, why) -> retained.add(new Retained(key, why)));
    List<Kept> keptNow = new ArrayList<>(kept);
    Set<String> gone = new HashSet<>(deleted);
    for (String id : toDelete) {
      if (!gone.contains(id)) {
        keptNow.add(new Kept(id, List.of("retained-by-store")));
      }
    }
    metrics.pruned(store.name(), deleted.size(), keptNow.size());
    return new StoreReport(
        store.name(),
        StoreStatus.PRUNED,
        rules.describe(),
        guard,
        List.copyOf(keptNow),
        List.copyOf(deleted),
        List.copyOf(done),
        List.copyOf(retained),
        leftAlone,
        null);
  }

  /**
   * Deletes in batches (the store's own); when the store refuses some, finds which one by one and
   * returns them (key → why). A store that went down is an exception: the store is skipped. A
   * server error on a batch is not taken for a store that is down while the store still answers
   * (s3proxy, for one, fails a whole DeleteObjects with HTTP 500 when one object cannot be
   * removed): the keys are then deleted one by one and those still refused are retained.
   */
  static Map<String, String> delete(BackupStore store, Collection<String> keys) {
    Map<String, String> refused = new LinkedHashMap<>();
    if (keys.isEmpty()) {
      return refused;
    }
    try {
      store.delete(keys);
      return refused;
    } catch (StoreException e) {
      requireAnswering(store, e);
    }
    for (String key : keys) {
      try {
        store.delete(List.of(key));
      } catch (StoreException e) {
        requireAnswering(store, e);
        refused.put(key, e.getMessage());
      }
    }
    return refused;
  }

  /** A failure that may mean the store is down: it is, unless it still answers a probe. */
  private static void requireAnswering(BackupStore store, StoreException e) {
    if (e.kind() != StoreException.Kind.UNAVAILABLE) {
      return;
    }
    try {
      store.probe();
    } catch (StoreException down) {
      throw e;
    }
  }

  private static void requireReachable(StoreException e) {
    if (e.kind() == StoreException.Kind.UNAVAILABLE) {
      throw e;
    }
  }

  private List<Cleaned> spool(boolean dryRun) {
    Path spool = config.properties().spool().toAbsolutePath().normalize();
    List<Cleaned> cleaned = new ArrayList<>();
    try {
      for (Path f : ArchiveFetcher.staleSpoolFiles(spool)) {
        Instant modified = Files.getLastModifiedTime(f).toInstant();
        if (!dryRun) {
          Files.deleteIfExists(f);
        }
        cleaned.add(new Cleaned("spool-file", f.toString(), modified));
      }
    } catch (IOException e) {
      // the spool is this node's scratch space; the next restore or drill cleans it as well
      LOG.debug("could not clean the spool {}: {}", spool, e.getMessage());
    }
    return cleaned;
  }

  /** The word a backup held back by an unreadable store is kept for. */
  static final String STORE_UNREADABLE = "store-unreadable";

  /** A listing that contradicts a direct read: that store is not pruned this time. */
  static final class InconsistentListing extends RuntimeException {
    InconsistentListing(String message) {
      super(message);
    }
  }

  /**
   * Reads {@code key} directly; present means the listing that left it out cannot be trusted, and
   * nothing is deleted in that store on its word.
   */
  private static void confirmAbsent(BackupStore store, String key) {
    store
        .stat(key)
        .ifPresent(
            found -> {
              throw new InconsistentListing(
                  "its listing left out "
                      + key
                      + ", which a direct read found: the listing is incomplete (a proxy or"
                      + " gateway that ends listings early?), so nothing was deleted in this store;"
                      + " check the store's endpoint and prune again");
            });
  }

  /** The backup id in a key {@code <target>/<id>/...}, or "" when it has none. */
  private static String idOf(String key) {
    String[] parts = key.split("/", 3);
    return parts.length < 3 ? "" : parts[1];
  }

  private static boolean isFile(StoredObject o, String file) {
    return o.key().endsWith("/" + file) && o.key().split("/").length == 3;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
