package dev.lifeboat.backup;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * What backups exist, read from the stores themselves (not from local state), so a fresh machine
 * with only the configuration sees everything it can restore.
 */
@Component
public final class BackupCatalog {

  private final LifeboatConfig config;

  BackupCatalog(LifeboatConfig config) {
    this.config = config;
  }

  /** One complete backup and the stores that hold it complete. */
  public record Entry(Manifest manifest, List<String> stores) {}

  /** Complete backups, newest first, and the stores that could not be read. */
  public record Listing(List<Entry> backups, Map<String, String> unreadableStores) {}

  public Listing list(Target target) {
    Map<String, Manifest> manifests = new LinkedHashMap<>();
    Map<String, List<String>> holders = new LinkedHashMap<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    for (BackupStore store : config.stores(target)) {
      try {
        for (StoredObject object : store.list(target.name() + "/")) {
          String[] parts = object.key().split("/");
          if (parts.length != 3
              || !parts[2].equals("manifest.json")
              || !BackupId.isValid(parts[1])) {
            continue;
          }
          Manifest manifest;
          try {
            manifest = readManifest(store, object.key());
          } catch (IllegalArgumentException e) {
            unreadable.merge(
                store.name(), object.key() + ": " + e.getMessage(), (a, b) -> a + "; " + b);
            continue;
          }
          manifests.putIfAbsent(manifest.id(), manifest);
          holders.computeIfAbsent(manifest.id(), k -> new ArrayList<>()).add(store.name());
        }
      } catch (StoreException e) {
        unreadable.put(store.name(), e.getMessage());
      }
    }
    List<Entry> entries = new ArrayList<>();
    manifests.forEach((id, m) -> entries.add(new Entry(m, List.copyOf(holders.get(id)))));
    entries.sort(
        Comparator.comparing(
                (Entry e) -> e.manifest().completedAt(),
                Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(e -> e.manifest().id())
            .reversed());
    return new Listing(entries, unreadable);
  }

  /** The backup {@code idOrLatest} names; an unknown id is a usage error naming what exists. */
  public Entry find(Target target, String idOrLatest) {
    return find(list(target), target, idOrLatest);
  }

  /** {@link #find(Target, String)} in a listing already read. */
  Entry find(Listing listing, Target target, String idOrLatest) {
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

  /** Every id present in any store, complete or not, so a new backup never reuses one. */
  Set<String> idsInUse(Target target) {
    Set<String> ids = new HashSet<>();
    for (BackupStore store : config.stores(target)) {
      try {
        for (StoredObject object : store.list(target.name() + "/")) {
          String[] parts = object.key().split("/");
          if (parts.length >= 2) {
            ids.add(parts[1]);
          }
        }
      } catch (StoreException e) {
        // an unreachable store cannot hold a clash we could see; the backup will report it
      }
    }
    return new TreeSet<>(ids);
  }

  static Manifest readManifest(BackupStore store, String key) {
    try (InputStream in = store.open(key)) {
      return Manifests.read(in.readAllBytes());
    } catch (IOException e) {
      throw new StoreException(
          store.name(),
          StoreException.Kind.UNAVAILABLE,
          "reading " + key + " from store '" + store.name() + "' failed: " + e.getMessage(),
          e);
    }
  }

  private static String unreadableNote(Listing listing) {
    return listing.unreadableStores().isEmpty()
        ? ""
        : " (stores not readable: " + String.join(", ", listing.unreadableStores().keySet()) + ")";
  }
}
