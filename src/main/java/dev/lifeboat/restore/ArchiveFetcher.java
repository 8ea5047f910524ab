package dev.lifeboat.restore;

import dev.lifeboat.backup.BackupCatalog;
import dev.lifeboat.backup.BackupVerifier;
import dev.lifeboat.backup.DumpReader;
import dev.lifeboat.backup.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.store.BackupStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Brings a backup from its stores to a local archive file that pg_restore can seek in. Each copy is
 * decompressed while its SHA-256 is computed; a copy that is missing, unreadable or does not match
 * the manifest is thrown away and the next store is tried. pg_restore never sees an unverified
 * byte.
 */
@Component
public final class ArchiveFetcher {

  /** Room kept free beside the archive, so a restore never fills the disk to the last byte. */
  static final long SPOOL_MARGIN = 64L << 20;

  private final LifeboatConfig config;
  private final Progress progress;

  ArchiveFetcher(LifeboatConfig config, Progress progress) {
    this.config = config;
    this.progress = progress;
  }

  /** One store's copy: {@code ok}, {@code missing}, {@code corrupt} or {@code unreachable}. */
  public record Attempt(String store, String status, String detail) {}

  /** A verified archive on local disk; closing it deletes the file. */
  public record Fetched(Path archive, String store, List<Attempt> attempts)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        Files.deleteIfExists(archive);
      } catch (IOException ignored) {
        // a leftover spool file is removed by the next restore into the same spool
      }
    }
  }

  /** The spool directory, and a clear error before anything starts when it is too small. */
  public SpoolSpace checkSpace(Manifest manifest) {
    Path spool = config.properties().spool().toAbsolutePath().normalize();
    try {
      Files.createDirectories(spool);
      long free = Files.getFileStore(spool).getUsableSpace();
      long needed = manifest.rawBytes() + SPOOL_MARGIN;
      if (free < needed) {
        throw new SpoolException(
            "the spool directory "
                + spool
                + " has "
                + TerminalProgress.bytes(free)
                + " free but backup "
                + manifest.id()
                + " needs "
                + TerminalProgress.bytes(needed)
                + " to decompress; free space there or point lifeboat.spool-dir at a larger disk");
      }
      return new SpoolSpace(spool, needed, free);
    } catch (IOException e) {
      throw new SpoolException(
          "cannot use the spool directory "
              + spool
              + ": "
              + e.getMessage()
              + "; check lifeboat.spool-dir",
          e);
    }
  }

  /** Where the archive is decompressed, how much it needs and how much is free. */
  public record SpoolSpace(Path dir, long neededBytes, long freeBytes) {}

  public Fetched fetch(Target target, BackupCatalog.Entry entry) {
    Manifest manifest = entry.manifest();
    SpoolSpace space = checkSpace(manifest);
    Path archive = space.dir().resolve(target.name() + "-" + manifest.id() + ".pgdump");
    List<Attempt> attempts = new ArrayList<>();
    for (String name : order(target, entry)) {
      Attempt attempt = fetchFrom(config.store(name), manifest, archive);
      attempts.add(attempt);
      if (attempt.status().equals("ok")) {
        return new Fetched(archive, name, attempts);
      }
    }
    throw new RestoreException(
        "no store holds a good copy of backup "
            + manifest.id()
            + " ("
            + String.join(
                "; ",
                attempts.stream()
                    .map(a -> a.store() + ": " + a.status() + ", " + a.detail())
                    .toList())
            + "); nothing was restored",
        attempts);
  }

  /** The target's store order, keeping only stores that list the backup as complete. */
  static List<String> order(Target target, BackupCatalog.Entry entry) {
    List<String> order = new ArrayList<>();
    for (String s : target.stores()) {
      if (entry.stores().contains(s)) {
        order.add(s);
      }
    }
    return order;
  }

  private Attempt fetchFrom(BackupStore store, Manifest manifest, Path archive) {
    Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
    long[] read = {0};
    BackupVerifier.StoreCheck check;
    try (Progress.Task task =
            progress.start(
                "fetch " + manifest.id() + " from " + store.name(), manifest.sizeBytes());
        OutputStream out = Files.newOutputStream(partial)) {
      check = DumpReader.read(store, manifest, out, n -> task.update(read[0] += n, -1));
    } catch (IOException | DumpReader.SinkFailed e) {
      deleteQuietly(partial);
      throw new SpoolException(
          "writing the archive to "
              + partial.getParent()
              + " failed: "
              + e.getMessage()
              + "; free space there or point lifeboat.spool-dir at a larger disk",
          e);
    }
    try {
      if (!check.ok()) {
        Files.deleteIfExists(partial);
      } else {
        Files.move(
            partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new SpoolException(
          "cannot move the archive into " + archive + ": " + e.getMessage(), e);
    }
    return new Attempt(check.store(), check.status(), check.detail());
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the next fetch overwrites it
    }
  }
}
