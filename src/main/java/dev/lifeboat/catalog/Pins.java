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
 * that holds the backup, so every node and every later prune sees it.
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
    BackupCatalog.Entry entry = catalog.find(listing, target, idOrLatest);
    String id = entry.manifest().id();
    Pin pin = new Pin(id, target.name(), clock.instant(), reason, node.name());
    byte[] content = Json.write(pin).getBytes(StandardCharsets.UTF_8);
    List<String> done = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (BackupStore store : targets.stores(target)) {
      String unreadable = listing.unreadableStores().get(store.name());
      if (unreadable != null) {
        failed.put(
            store.name(),
            "the store could not be read, so it may hold the backup unpinned ("
                + unreadable
                + "); pin it again when the store answers");
      } else if (entry.stores().contains(store.name())) {
        try {
          store.put(Pin.key(target.name(), id), content);
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
    BackupCatalog.Entry entry = catalog.find(target, idOrLatest);
    String id = entry.manifest().id();
    List<String> done = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (BackupStore store : targets.stores(target)) {
      try {
        store.delete(List.of(Pin.key(target.name(), id)));
        done.add(store.name());
      } catch (StoreException e) {
        failed.put(store.name(), e.getMessage());
      }
    }
    // a store that could not be reached may still hold the pin: the backup stays pinned there
    return new Result(id, !failed.isEmpty(), null, done, failed);
  }
}
