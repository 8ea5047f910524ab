package dev.lifeboat.archive;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.TargetKeys;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Brings a backup from its stores to a local archive file that pg_restore can seek in. Each copy is
 * decompressed while its SHA-256 is computed; a copy that is missing, unreadable or does not match
 * the manifest is thrown away and the next store is tried. pg_restore never sees an unverified
 * byte.
 */
@Component
public final class ArchiveFetcher {

  private static final Logger LOG = LoggerFactory.getLogger(ArchiveFetcher.class);

  /** Room kept free beside the archive, so a restore never fills the disk to the last byte. */
  static final long SPOOL_MARGIN = 64L << 20;

  private final LifeboatConfig config;
  private final Targets targets;
  private final Keys keys;
  private final Progress progress;

  ArchiveFetcher(LifeboatConfig config, Targets targets, Keys keys, Progress progress) {
    this.config = config;
    this.targets = targets;
    this.keys = keys;
    this.progress = progress;
  }

  /** One store's copy: {@code ok}, {@code missing}, {@code corrupt} or {@code unreachable}. */
  public record Attempt(String store, String status, String detail) {}

  /** A verified archive on local disk; closing it deletes the file. */
  public record Fetched(Path archive, String store, List<Attempt> attempts)
      implements AutoCloseable {
    @Override
    public void close() {
      discard(archive);
    }
  }

  /**
   * Deletes a spool file now. Spool files still here at exit (Ctrl-C, SIGTERM) are deleted by a
   * shutdown hook, and those of a killed process by the next restore or drill.
   */
  public static void discard(Path file) {
    deleteQuietly(file);
    LIVE.remove(file);
  }

  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(ArchiveFetcher::deleteQuietly), "spool-cleanup"));
  }

  /** This process, as spool file names carry it: {@code <pid>-<start in epoch ms>}. */
  static final String OWNER = owner(ProcessHandle.current());

  public static String owner(ProcessHandle process) {
    return process.pid()
        + "-"
        + process.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
  }

  /** {@code <anything>.<pid>-<start>.pgdump[.partial]}: a spool file and the process it is of. */
  private static final Pattern SPOOL_FILE =
      Pattern.compile(".*\\.(\\d+)-(\\d+)\\.pgdump(\\.partial)?");

  /**
   * Deletes spool files whose process is gone (killed before it could clean up); returns them. A
   * pid that lives again under another process is told apart by its start time.
   */
  static List<Path> removeStale(Path spool) throws IOException {
    List<Path> removed = staleSpoolFiles(spool);
    removed.forEach(ArchiveFetcher::deleteQuietly);
    return removed;
  }

  /**
   * Spool files whose process is gone, without touching them (pruning's plan); a file of a running
   * process is never among them. An absent spool directory has none.
   */
  public static List<Path> staleSpoolFiles(Path spool) throws IOException {
    List<Path> stale = new ArrayList<>();
    if (!Files.isDirectory(spool)) {
      return stale;
    }
    try (var files = Files.list(spool)) {
      for (Path f : files.toList()) {
        Matcher m = SPOOL_FILE.matcher(f.getFileName().toString());
        if (m.matches() && !alive(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))) {
          stale.add(f);
        }
      }
    }
    return stale;
  }

  private static boolean alive(long pid, long startMillis) {
    return ProcessHandle.of(pid)
        .map(
            p ->
                startMillis == 0
                    || p.info()
                        .startInstant()
                        .map(i -> i.toEpochMilli() == startMillis)
                        .orElse(true))
        .orElse(false);
  }

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  /** Creates the spool directory readable by this user alone. */
  static void createPrivateDirectory(Path dir) throws IOException {
    if (POSIX) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  /** A new spool file, created 0600 (never widened by the umask, never an existing file). */
  static OutputStream createPrivateFile(Path file) throws IOException {
    Files.deleteIfExists(file);
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return Channels.newOutputStream(
        POSIX
            ? Files.newByteChannel(
                file,
                options,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.newByteChannel(file, options));
  }

  /** The spool directory, and a clear error before anything starts when it is too small. */
  public SpoolSpace checkSpace(Manifest manifest) {
    Path spool = config.properties().spool().toAbsolutePath().normalize();
    try {
      createPrivateDirectory(spool);
      if (POSIX && spool.equals(defaultSpool())) {
        // our own directory, perhaps made by an older version: nobody else reads the spool
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx------"));
      }
      removeStale(spool);
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

  private Path defaultSpool() {
    return config.properties().home().resolve("spool").toAbsolutePath().normalize();
  }

  /** Where the archive is decompressed, how much it needs and how much is free. */
  public record SpoolSpace(Path dir, long neededBytes, long freeBytes) {}

  /**
   * For an encrypted backup: loads the target's identities and proves one of them opens the backup
   * (reading only its age header), else refuses (exit 2) before anything is touched. Returns the
   * identities (null for an unencrypted backup).
   */
  public Identities requireIdentity(Target target, BackupCatalog.Entry entry) {
    Manifest manifest = entry.manifest();
    if (!manifest.encrypted()) {
      return null;
    }
    TargetKeys targetKeys = keys.forTarget(target.name());
    Identities identities = targetKeys.identities();
    List<BackupStore> stores = order(target, entry).stream().map(targets::store).toList();
    DumpReader.requireIdentity(stores, manifest, identities, targetKeys.identitiesKey());
    return identities;
  }

  public Fetched fetch(Target target, BackupCatalog.Entry entry) {
    Manifest manifest = entry.manifest();
    Identities identities = requireIdentity(target, entry);
    SpoolSpace space = checkSpace(manifest);
    Path archive =
        space.dir().resolve(target.name() + "-" + manifest.id() + "." + OWNER + ".pgdump");
    List<Attempt> attempts = new ArrayList<>();
    for (String name : order(target, entry)) {
      Attempt attempt = fetchFrom(targets.store(name), manifest, archive, identities);
      attempts.add(attempt);
      if (attempt.status().equals("ok")) {
        return new Fetched(archive, name, attempts);
      }
      discard(archive);
    }
    throw new ArchiveException(
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
  public static List<String> order(Target target, BackupCatalog.Entry entry) {
    List<String> order = new ArrayList<>();
    for (String s : target.stores()) {
      if (entry.stores().contains(s)) {
        order.add(s);
      }
    }
    return order;
  }

  private Attempt fetchFrom(
      BackupStore store, Manifest manifest, Path archive, Identities identities) {
    Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
    long[] read = {0};
    LIVE.add(partial);
    LIVE.add(archive);
    BackupVerifier.StoreCheck check;
    try (Progress.Task task =
            progress.start(
                "fetch " + manifest.id() + " from " + store.name(), manifest.sizeBytes());
        OutputStream out = createPrivateFile(partial)) {
      check = DumpReader.read(store, manifest, out, n -> task.update(read[0] += n, -1), identities);
    } catch (IOException | DumpReader.SinkFailed e) {
      deleteQuietly(partial);
      throw new SpoolException(
          "writing the archive to "
              + partial.getParent()
              + " failed: "
              + e.getMessage()
              + "; free space there or point lifeboat.spool-dir at a larger disk",
          e);
    } catch (RuntimeException e) {
      deleteQuietly(partial);
      throw e;
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
      deleteQuietly(archive);
      throw new SpoolException(
          "cannot move the archive into " + archive + ": " + e.getMessage(), e);
    }
    LIVE.remove(partial);
    return new Attempt(check.store(), check.status(), check.detail());
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // the next restore or drill removes it once this process is gone
      LOG.debug("could not delete {} from the spool: {}", p, e.getMessage());
    }
  }
}
