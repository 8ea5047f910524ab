package dev.lifeboat.restore;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.backup.BackupCatalog;
import dev.lifeboat.backup.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
    MessageDigest sha = sha256();
    long[] read = {0};
    try (Progress.Task task =
            progress.start(
                "fetch " + manifest.id() + " from " + store.name(), manifest.sizeBytes());
        InputStream raw = store.open(Manifest.dumpKey(manifest.target(), manifest.id()));
        InputStream counted =
            new FilterInputStream(new DigestInputStream(raw, sha)) {
              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                  read[0] += n;
                  task.update(read[0], -1);
                }
                return n;
              }
            };
        OutputStream out = new WriteGuard(Files.newOutputStream(partial))) {
      String archiveProblem = null;
      try (ZstdInputStream zstd = new ZstdInputStream(counted)) {
        zstd.transferTo(out);
      } catch (WriteGuard.WriteFailed e) {
        throw e;
      } catch (IOException e) {
        archiveProblem = "it does not decompress (" + e.getMessage() + ")";
      }
      out.close();
      String actual = HexFormat.of().formatHex(sha.digest());
      if (archiveProblem != null
          || !actual.equals(manifest.sha256())
          || read[0] != manifest.sizeBytes()) {
        Files.deleteIfExists(partial);
        return new Attempt(
            store.name(),
            "corrupt",
            archiveProblem != null
                ? archiveProblem
                : "SHA-256 " + actual + " does not match the manifest's " + manifest.sha256());
      }
      Files.move(
          partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Attempt(store.name(), "ok", "SHA-256 matches the manifest");
    } catch (WriteGuard.WriteFailed e) {
      deleteQuietly(partial);
      throw new SpoolException(
          "writing the archive to "
              + partial.getParent()
              + " failed: "
              + e.getCause().getMessage()
              + "; free space there or point lifeboat.spool-dir at a larger disk",
          e);
    } catch (StoreException e) {
      deleteQuietly(partial);
      return new Attempt(
          store.name(),
          e.kind() == StoreException.Kind.NOT_FOUND ? "missing" : "unreachable",
          e.getMessage());
    } catch (IOException | RuntimeException e) {
      deleteQuietly(partial);
      return new Attempt(store.name(), "unreachable", "reading failed: " + e.getMessage());
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the next fetch overwrites it
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tells a local write failure (disk full) apart from a store read failure. */
  private static final class WriteGuard extends FilterOutputStream {
    static final class WriteFailed extends IOException {
      WriteFailed(IOException cause) {
        super(cause);
      }
    }

    WriteGuard(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new WriteFailed(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } catch (IOException e) {
        throw new WriteFailed(e);
      }
    }
  }
}
