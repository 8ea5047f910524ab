package dev.lifeboat.wal;

import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A break in a target's WAL chain (plan 2.7) and what mends it. WAL is streamed again from {@code
 * from}, but what came before it is in no store, so no base backup taken before the break can be
 * recovered past it. A new chain starts with the first base backup of the same cluster that starts
 * at or after {@code from} and whose WAL, up to its stop, some store holds: from then on the
 * receiver streams normally again. Until then it says {@code chain-broken}, which alerts.
 */
final class ChainBreak {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.wal");

  private final String target;
  private final String system;
  private final Lsn from;

  /** Manifests read once and found to start before the break or to be of another cluster. */
  private final Set<String> before = new HashSet<>();

  ChainBreak(String target, String system, Lsn from) {
    this.target = target;
    this.system = system;
    this.from = from;
  }

  Lsn from() {
    return from;
  }

  /**
   * The base backup that starts the new chain, when one of {@code stores} holds it and {@code
   * durableEnd} (the end of the WAL a store holds in order) has reached its stop.
   */
  Optional<Manifest> mendedBy(List<BackupStore> stores, Lsn durableEnd, Instant now) {
    for (BackupStore store : stores) {
      List<String> invalid = new ArrayList<>();
      List<Manifest> manifests;
      try {
        manifests = BaseBackupCatalog.manifests(target, store, now, invalid);
      } catch (StoreException e) {
        // the next check reads it again; the store's lane reports it if it stays down
        log.debug("wal {}: reading base backups in {}: {}", target, store.name(), e.getMessage());
        continue;
      }
      for (Manifest m : manifests) {
        if (before.contains(m.id())) {
          continue;
        }
        if (!m.systemIdentifier().equals(system) || m.start().compareTo(from) < 0) {
          before.add(m.id());
          continue;
        }
        if (m.stop().compareTo(durableEnd) <= 0) {
          return Optional.of(m);
        }
      }
    }
    return Optional.empty();
  }
}
