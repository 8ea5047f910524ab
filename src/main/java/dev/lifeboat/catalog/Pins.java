package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Node;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat pin} and {@code unpin}: a pin is {@code <target>/<id>/pin.json} in every store
 * that holds the backup, so every node and every later prune sees it; for a base backup {@code
 * <target>.wal/base/<id>/pin.json}, beside its {@code basebackup.json}.
 */
@Component
public final class Pins {

  private final LifeboatConfig config;
  private final Targets targets;
  private final BackupCatalog catalog;
  private final Clock clock;
  private final Node node;

  Pins(LifeboatConfig config, Targets targets, BackupCatalog catalog, Clock clock, Node node) {
    this.config = config;
    this.targets = targets;
    this.catalog = catalog;
    this.clock = clock;
    this.node = node;
  }

  /**
   * What a pin or unpin did: the stores changed and those that failed (name → why).
   *
   * @param pinned whether the backup is pinned now in at least one store
   */
  public record Result(
      String backup,
      boolean pinned,
      String reason,
      List<String> stores,
      Map<String, String> failed) {}

  /**
   * Pins backup {@code idOrLatest} in every store of the target that holds it; an unknown id is
   * exit 2. A store that could not be read may hold the backup too: it is named as failed, so the
   * pin is partial (exit 3) until it is pinned again there.
   */
  public Result pin(Target target, String idOrLatest, String reason) {
    BackupCatalog.Listing listing = catalog.list(target);
    BackupCatalog.Entry entry;
    try {
      entry = catalog.find(listing, target, idOrLatest);
    } catch (BackupNotFoundException e) {
      // base backups share the id space of dumps: an id no dump has may be a base backup's
      BaseBackupCatalog.Listing base =
          BaseBackupCatalog.list(target.name(), targets.stores(target), clock.instant());
      BaseBackupCatalog.Entry found =
          base.entries().stream()
              .filter(b -> b.manifest().id().equals(idOrLatest))
              .findFirst()
              .orElseThrow(() -> e);
      List<String> holding = new ArrayList<>(found.completeIn());
      holding.addAll(found.waitingIn());
      return pin(
          target,
          idOrLatest,
          reason,
          BaseBackupCatalog.folder(target.name(), idOrLatest) + Pin.FILE,
          holding,
          base.unreadableStores());
    }
    String id = entry.manifest().id();
    return pin(
        target, id, reason, Pin.key(target.name(), id), entry.stores(), listing.unreadableStores());
  }

  private Result pin(
      Target target,
      String id,
      String reason,
      String key,
      List<String> holding,
      Map<String, String> unreadableStores) {
    Pin pin = new Pin(id, target.name(), clock.instant(), reason, node.name());
    byte[] content = Json.write(pin).getBytes(StandardCharsets.UTF_8);
    List<String> done = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (BackupStore store : targets.stores(target)) {
      String unreadable = unreadableStores.get(store.name());
      if (unreadable != null) {
        failed.put(
            store.name(),
            "the store could not be read, so it may hold the backup unpinned ("
                + unreadable
                + "); pin it again when the store answers");
      } else if (holding.contains(store.name())) {
        try {
          store.put(key, content);
          done.add(store.name());
        } catch (StoreException e) {
          failed.put(store.name(), e.getMessage());
        }
      }
    }
    return new Result(id, !done.isEmpty(), reason, done, failed);
  }

  /** Removes the pin of backup {@code id} from every store of the target. */
  public Result unpin(Target target, String idOrLatest) {
    String id;
    String key;
    try {
      id = catalog.find(target, idOrLatest).manifest().id();
      key = Pin.key(target.name(), id);
    } catch (BackupNotFoundException e) {
      boolean base =
          BaseBackupCatalog.list(target.name(), targets.stores(target), clock.instant())
              .entries()
              .stream()
              .anyMatch(b -> b.manifest().id().equals(idOrLatest));
      if (!base) {
        throw e;
      }
      id = idOrLatest;
      key = BaseBackupCatalog.folder(target.name(), id) + Pin.FILE;
    }
    List<String> done = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (BackupStore store : targets.stores(target)) {
      try {
        store.delete(List.of(key));
        done.add(store.name());
      } catch (StoreException e) {
        failed.put(store.name(), e.getMessage());
      }
    }
    // a store that could not be reached may still hold the pin: the backup stays pinned there
    return new Result(id, !failed.isEmpty(), null, done, failed);
  }
}
