package dev.lifeboat.wal;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * Which cluster a target's WAL archive belongs to (plan 2.6): {@code <target>.wal/cluster.json},
 * written once by the first receiver that finds it in no store, and the newest timeline's history
 * file stored beside the segments. Read before anything is written, so a server with another system
 * identifier or a forked timeline never writes into the prefix ({@link TimelineGuard}).
 *
 * <p>History files are stored compressed but never encrypted: they hold timeline numbers, switch
 * points and the reason recovery stopped, nothing of the data, and a node without the target's
 * private key must still be able to check a timeline before it streams.
 */
final class ClusterIdentity {

  static final String FILE = "cluster.json";

  /** What {@code cluster.json} says; {@code createdBy} names the node that wrote it. */
  record Recorded(
      String target,
      String systemIdentifier,
      long walSegmentSize,
      int pgMajor,
      Instant createdAt,
      String createdBy) {}

  private ClusterIdentity() {}

  static String key(String target) {
    return WalArchive.root(target) + FILE;
  }

  /** The store's {@code cluster.json}; empty when it has none. Other failures are thrown. */
  static Optional<Recorded> read(BackupStore store, String target) {
    try (InputStream in = store.open(key(target))) {
      return Optional.of(
          Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), Recorded.class));
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + key(target) + " in store " + store.name(), e);
    }
  }

  /** Writes {@code recorded} as the store's {@code cluster.json} (atomically, whole). */
  static void write(BackupStore store, Recorded recorded) {
    store.put(key(recorded.target()), Json.write(recorded).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The newest timeline's history stored for {@code systemIdentifier} in {@code store}: timeline 1
   * (no history file) when none is stored.
   */
  static WalFiles.History newestHistory(
      BackupStore store, String target, String systemIdentifier, long segmentSize) {
    Optional<WalArchive.Entry> newest =
        WalArchive.entries(
                target, segmentSize, store.list(WalArchive.historyFolder(target, systemIdentifier)))
            .stream()
            .filter(e -> e.kind() == WalArchive.Kind.HISTORY && !e.encrypted())
            .max(Comparator.comparingLong(WalArchive.Entry::timeline));
    if (newest.isEmpty()) {
      return WalFiles.History.of(1);
    }
    WalArchive.Entry entry = newest.get();
    try (InputStream in = new ZstdInputStream(store.open(entry.key()))) {
      return WalFiles.History.parse(
          entry.timeline(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + entry.key() + " in store " + store.name(), e);
    }
  }
}
