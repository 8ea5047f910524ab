package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.Node;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Marks a backup's copy as proved good: after a passed {@code verify} (each store whose copy
 * matched) or a passed drill (the store it restored from), {@code <target>/<id>/verified.json} is
 * written beside the backup. The mark lives in the store, so every node, later run, the pruning
 * floor and the metrics see which is the newest backup known to restore.
 *
 * <p>A mark that cannot be written does not fail the run that earned it: the backup is as good as
 * it was; only the record of it is missing, and the warning says so.
 */
@Component
public final class Verifications {

  /** The mark's object name beside {@code manifest.json}. */
  public static final String FILE = "verified.json";

  /** How a copy was proved good. */
  public enum By {
    VERIFY,
    DRILL;

    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The mark's content; the store's own time of the object is what listings use. */
  public record Mark(String backup, String target, Instant verifiedAt, String by, String node) {}

  private static final Logger LOG = LoggerFactory.getLogger(Verifications.class);

  private final Clock clock;
  private final Node node;

  Verifications(Clock clock, Node node) {
    this.clock = clock;
    this.node = node;
  }

  /** Writes the mark into each of {@code stores}; returns the names of the stores it failed on. */
  public List<String> mark(String target, String id, List<BackupStore> stores, By by) {
    Mark mark = new Mark(id, target, clock.instant(), by.word(), node.name());
    byte[] content = Json.write(mark).getBytes(StandardCharsets.UTF_8);
    List<String> failed = new ArrayList<>();
    for (BackupStore store : stores) {
      try {
        store.put(Manifest.verifiedKey(target, id), content);
      } catch (StoreException | IllegalArgumentException e) {
        failed.add(store.name());
        LOG.warn(
            "backup {} was proved good by {} but the mark could not be written to store '{}': {}",
            id,
            by.word(),
            store.name(),
            e.getMessage());
      }
    }
    return failed;
  }
}
