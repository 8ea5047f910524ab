package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup in flight says so in every store it writes to: {@code <target>/<id>/running.json},
 * written before its upload starts, refreshed every {@link #REFRESH_EVERY} while it runs and
 * deleted when it ends. Prune leaves every object of an id whose marker is fresh alone, whatever
 * {@code retention.leftover-age} says; a marker left by a process that died (kill -9) stops being
 * refreshed and goes stale after {@link #STALE_AFTER}, and the backup's leftovers are then cleaned
 * like any other.
 */
public final class InFlight implements AutoCloseable {

  /** The marker's object name beside {@code dump}. */
  public static final String FILE = "running.json";

  /** How often a running backup rewrites its marker. */
  static final Duration REFRESH_EVERY = Duration.ofMinutes(1);

  /**
   * A marker not rewritten for this long belongs to a backup that is gone. Ten refreshes: a store
   * that answers slowly, a long GC pause or clocks a few minutes apart never make a live backup
   * look dead.
   */
  public static final Duration STALE_AFTER = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(InFlight.class);

  /** The marker's content; the store's own time of the object is what prune compares. */
  public record Marker(
      String backup, String target, String node, Instant startedAt, Instant refreshedAt) {}

  private final List<BackupStore> stores;
  private final String key;
  private final Marker started;
  private final Clock clock;
  private final ScheduledExecutorService refresher;

  private InFlight(List<BackupStore> stores, String key, Marker started, Clock clock) {
    this.stores = stores;
    this.key = key;
    this.started = started;
    this.clock = clock;
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "in-flight-" + started.backup());
              t.setDaemon(true);
              return t;
            });
  }

  /** Key of the marker of backup {@code id} of {@code target}. */
  public static String key(String target, String id) {
    return target + "/" + id + "/" + FILE;
  }

  /**
   * Whether {@code marker} (as a store lists it) was refreshed recently enough, at {@code now}, to
   * belong to a backup still running.
   */
  public static boolean fresh(StoredObject marker, Instant now) {
    return marker.lastModified() == null || marker.lastModified().isAfter(now.minus(STALE_AFTER));
  }

  /**
   * Writes the marker to every store and keeps it fresh until {@link #close()}. A store that
   * refuses it is only logged: that store's upload reports its own failure.
   */
  public static InFlight start(
      List<BackupStore> stores, String target, String id, String node, Clock clock) {
    Instant now = clock.instant();
    InFlight marker =
        new InFlight(
            List.copyOf(stores), key(target, id), new Marker(id, target, node, now, now), clock);
    marker.write();
    long every = REFRESH_EVERY.toMillis();
    marker.refresher.scheduleWithFixedDelay(marker::write, every, every, TimeUnit.MILLISECONDS);
    return marker;
  }

  private void write() {
    Marker now =
        new Marker(
            started.backup(),
            started.target(),
            started.node(),
            started.startedAt(),
            clock.instant());
    byte[] content = Json.write(now).getBytes(StandardCharsets.UTF_8);
    for (BackupStore store : stores) {
      try {
        store.put(key, content);
      } catch (StoreException | IllegalArgumentException e) {
        LOG.warn(
            "backup {} could not mark itself running in store '{}': {}",
            started.backup(),
            store.name(),
            e.getMessage());
      }
    }
  }

  /** Stops refreshing and deletes the marker: the backup is published, failed or stopped. */
  @Override
  public void close() {
    refresher.shutdownNow();
    try {
      refresher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> failed = new ArrayList<>();
    for (BackupStore store : stores) {
      try {
        store.delete(List.of(key));
      } catch (StoreException | IllegalArgumentException e) {
        failed.add(store.name() + " (" + e.getMessage() + ")");
      }
    }
    if (!failed.isEmpty()) {
      // harmless: it goes stale, and prune removes it with the backup's other objects
      LOG.warn(
          "backup {} could not remove its running marker {} from {}",
          started.backup(),
          key,
          failed);
    }
  }
}
