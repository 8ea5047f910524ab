package dev.lifeboat.catalog;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What backups exist, read from the stores themselves (not from local state), so a fresh machine
 * with only the configuration sees everything it can restore.
 */
@Component
public final class BackupCatalog {

  private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);

  private final LifeboatConfig config;
  private final Targets targets;
  private final Clock clock;

  BackupCatalog(LifeboatConfig config, Targets targets, Clock clock) {
    this.config = config;
    this.targets = targets;
    this.clock = clock;
  }

  /**
   * One complete backup, the stores that hold it complete, and when a {@code verify} or drill last
   * proved a copy of it good ({@code null}: never).
   */
  public record Entry(Manifest manifest, List<String> stores, Instant verifiedAt, Pin pin) {
    public Entry(Manifest manifest, List<String> stores) {
      this(manifest, stores, null, null);
    }

    public Entry(Manifest manifest, List<String> stores, Instant verifiedAt) {
      this(manifest, stores, verifiedAt, null);
    }

    /**
     * Pinned with {@code lifeboat pin} (a pin in any store counts), or marked so in its manifest.
     */
    public boolean pinned() {
      return pin != null || manifest.pinned();
    }

    public boolean verified() {
      return verifiedAt != null;
    }
  }

  /** A manifest that was skipped because it cannot be trusted: where it is and why. */
  public record InvalidManifest(String store, String key, String id, String reason) {
    /** One line for a warning. */
    public String describe() {
      return "store '" + store + "' holds an invalid manifest " + key + ": " + reason;
    }
  }

  /**
   * Complete backups, newest first; the stores that could not be read; and the manifests skipped as
   * invalid (each named, none failing the listing of the rest).
   */
  public record Listing(
      List<Entry> backups,
      Map<String, String> unreadableStores,
      List<InvalidManifest> invalidManifests) {

    /** The newest complete backup a {@code verify} or drill proved good, if any. */
    public java.util.Optional<Entry> newestVerified() {
      return backups.stream().filter(Entry::verified).findFirst();
    }
  }

  public Listing list(Target target) {
    Map<String, Manifest> manifests = new LinkedHashMap<>();
    Map<String, List<String>> holders = new LinkedHashMap<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    Map<String, Instant> verified = new HashMap<>();
    Map<String, Pin> pins = new HashMap<>();
    List<InvalidManifest> invalid = new ArrayList<>();
    Instant now = clock.instant();
    for (BackupStore store : targets.stores(target)) {
      try {
        List<StoredObject> objects = store.list(target.name() + "/");
        for (StoredObject object : objects) {
          String[] parts = object.key().split("/");
          if (parts.length == 3 && parts[2].equals(Verifications.FILE)) {
            // the listing's time is the mark's: no read per backup, so listing stays one call
            if (object.lastModified() != null) {
              verified.merge(parts[1], object.lastModified(), BackupCatalog::later);
            }
          } else if (parts.length == 3 && parts[2].equals(Pin.FILE)) {
            if (!pins.containsKey(parts[1])) { // read once, from the first store that has it
              pins.put(parts[1], readPin(store, object.key(), parts[0], parts[1]));
            }
          }
        }
        ManifestReads.Result read =
            ManifestReads.read(store, target.name(), objects, now, manifestCache());
        read.invalid()
            .forEach(
                (id, why) ->
                    invalid.add(
                        new InvalidManifest(
                            store.name(), Manifest.manifestKey(target.name(), id), id, why)));
        read.manifests()
            .forEach(
                (id, manifest) -> {
                  // copies must agree: a store whose manifest differs from the first one read is
                  // not a holder of that backup
                  Manifest first = manifests.putIfAbsent(id, manifest);
                  if (first != null && !sameBackup(first, manifest)) {
                    invalid.add(
                        new InvalidManifest(
                            store.name(),
                            Manifest.manifestKey(target.name(), id),
                            id,
                            "differs from the copy in store '"
                                + holders.get(id).get(0)
                                + "' (sha256 or size); run: lifeboat verify "
                                + id));
                    return;
                  }
                  holders.computeIfAbsent(id, k -> new ArrayList<>()).add(store.name());
                });
      } catch (StoreException e) {
        unreadable.put(store.name(), e.getMessage());
      }
    }
    List<Entry> entries = new ArrayList<>();
    manifests.forEach(
        (id, m) ->
            entries.add(
                new Entry(m, List.copyOf(holders.get(id)), verified.get(id), pins.get(id))));
    entries.sort(
        Comparator.comparing(
                (Entry e) -> e.manifest().completedAt(),
                Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(e -> e.manifest().id())
            .reversed());
    return new Listing(entries, unreadable, List.copyOf(invalid));
  }

  /** Where manifests already read are kept ({@link ManifestReads}); null when there is no home. */
  private java.nio.file.Path manifestCache() {
    return ManifestReads.cacheRoot(config);
  }

  /** A pin whose content cannot be read still pins: its presence is what counts. */
  static Pin readPin(BackupStore store, String key, String target, String id) {
    try (InputStream in = store.open(key)) {
      Pin pin = dev.lifeboat.base.Json.read(new String(in.readAllBytes(), UTF_8), Pin.class);
      return pin == null ? new Pin(id, target, null, null, null) : pin;
    } catch (IOException | RuntimeException e) {
      if (e instanceof StoreException se && se.kind() == StoreException.Kind.UNAVAILABLE) {
        throw se;
      }
      return new Pin(id, target, null, "(pin.json unreadable: " + e.getMessage() + ")", null);
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static boolean sameBackup(Manifest a, Manifest b) {
    return a.sha256().equals(b.sha256()) && a.sizeBytes() == b.sizeBytes();
  }

  /** The backup {@code idOrLatest} names; an unknown id is a usage error naming what exists. */
  public Entry find(Target target, String idOrLatest) {
    return find(list(target), target, idOrLatest);
  }

  /** {@link #find(Target, String)} in a listing already read. */
  public Entry find(Listing listing, Target target, String idOrLatest) {
    List<InvalidManifest> named =
        listing.invalidManifests().stream().filter(i -> i.id().equals(idOrLatest)).toList();
    boolean valid = listing.backups().stream().anyMatch(e -> e.manifest().id().equals(idOrLatest));
    if (!named.isEmpty() && !valid) {
      throw new BackupNotFoundException(
          "backup '"
              + idOrLatest
              + "' of target '"
              + target.name()
              + "' cannot be used: "
              + String.join("; ", named.stream().map(InvalidManifest::describe).toList())
              + "; restore another backup (see: lifeboat backups)");
    }
    if (listing.backups().isEmpty()) {
      throw new BackupNotFoundException(
          "target '"
              + target.name()
              + "' has no complete backup in its stores"
              + unreadableNote(listing)
              + "; take one with: lifeboat backup");
    }
    if ("latest".equals(idOrLatest)) {
      return listing.backups().get(0);
    }
    return listing.backups().stream()
        .filter(e -> e.manifest().id().equals(idOrLatest))
        .findFirst()
        .orElseThrow(
            () ->
                new BackupNotFoundException(
                    "no complete backup '"
                        + idOrLatest
                        + "' of target '"
                        + target.name()
                        + "'"
                        + unreadableNote(listing)
                        + "; the newest are: "
                        + String.join(
                            ", ",
                            listing.backups().stream()
                                .limit(5)
                                .map(e -> e.manifest().id())
                                .toList())
                        + " (see: lifeboat backups)"));
  }

  /**
   * The id of a backup of {@code target} started at {@code startedAt}: its UTC second, with a
   * suffix when that id is already taken in any of the target's stores by a dump or a base backup
   * (one id space, so {@code restore ID} never meets an ambiguous id).
   */
  public String nextId(Target target, Instant startedAt) {
    return BackupId.next(startedAt, idsInUse(target));
  }

  /** Every id present in any store, complete or not, dump or base backup. */
  Set<String> idsInUse(Target target) {
    return idsInUse(target.name(), targets.stores(target));
  }

  static Set<String> idsInUse(String target, List<BackupStore> stores) {
    Set<String> ids = new HashSet<>();
    String base = BaseBackupCatalog.folder(target);
    for (BackupStore store : stores) {
      try {
        for (StoredObject object : store.list(target + "/")) {
          String[] parts = object.key().split("/");
          if (parts.length >= 2) {
            ids.add(parts[1]);
          }
        }
        for (StoredObject object : store.list(base)) {
          String[] parts = object.key().substring(base.length()).split("/");
          if (parts.length >= 2) {
            ids.add(parts[0]);
          }
        }
      } catch (StoreException e) {
        // an unreachable store cannot hold a clash we could see; the backup will report it
        LOG.debug("ids in use: store '{}' not listed: {}", store.name(), e.getMessage());
      }
    }
    return new TreeSet<>(ids);
  }

  public static Manifest readManifest(BackupStore store, String key) {
    return Manifests.read(ManifestSignatures.read(store, key));
  }

  private static String unreadableNote(Listing listing) {
    return listing.unreadableStores().isEmpty()
        ? ""
        : " (stores not readable: " + String.join(", ", listing.unreadableStores().keySet()) + ")";
  }
}
