package dev.lifeboat.catalog;

import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the manifests of many backups of one target in one store: the listing names them, up to
 * {@value #READERS} are read at a time, and a manifest already read once is taken from a local
 * cache under {@code <home>/cache/manifests/} as long as the store lists it unchanged (same ETag
 * and size). A store of 10,000 backups is then one listing plus the manifests that are new since
 * the last run.
 *
 * <p>The cache is only used for stores that give an ETag in their listing (S3): a filesystem
 * store's manifest is a local read already. A cached manifest is parsed and checked exactly like
 * one just downloaded, so a damaged cache file is a miss, never a wrong answer; the archive it
 * describes is still checked against the manifest's SHA-256 on every restore and verify.
 */
public final class ManifestReads {

  private static final Logger LOG = LoggerFactory.getLogger(ManifestReads.class);

  /** Reads in flight per store: enough to hide a round trip, few enough not to flood a server. */
  static final int READERS = 16;

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");

  /**
   * The manifests read, by backup id (in listing order); the ids whose manifest cannot be trusted
   * and why. A manifest deleted between the listing and the read (a prune elsewhere) is in neither.
   */
  public record Result(Map<String, Manifest> manifests, Map<String, String> invalid) {}

  private ManifestReads() {}

  /** The cache's place under {@code lifeboat.home}. */
  public static Path cacheRoot(Path home) {
    return home.resolve("cache").resolve("manifests");
  }

  /** The cache's place for this configuration; null (no cache) when it has no home. */
  public static Path cacheRoot(dev.lifeboat.config.LifeboatConfig config) {
    return config.home() == null ? null : cacheRoot(config.home());
  }

  /**
   * Reads every {@code <target>/<id>/manifest.json} among {@code objects}; other objects are
   * ignored. {@code cacheRoot} may be null (no cache). A store that fails while reading is a {@link
   * StoreException} for the whole store.
   */
  public static Result read(
      BackupStore store,
      String target,
      Collection<StoredObject> objects,
      Instant now,
      Path cacheRoot) {
    Path cache = cacheDir(cacheRoot, store, target);
    Map<String, StoredObject> byId = new LinkedHashMap<>();
    Map<String, String> invalid = new LinkedHashMap<>();
    for (StoredObject o : objects) {
      String[] parts = o.key().split("/");
      if (parts.length != 3 || !parts[0].equals(target) || !parts[2].equals(Manifest.FILE)) {
        continue;
      }
      if (!BackupId.isValid(parts[1])) {
        invalid.put(parts[1], "'" + parts[1] + "' is not a backup id");
        continue;
      }
      byId.put(parts[1], o);
    }
    Map<String, Manifest> manifests = new LinkedHashMap<>();
    Map<String, Future<Outcome>> reads = new LinkedHashMap<>();
    ExecutorService readers = null;
    try {
      for (Map.Entry<String, StoredObject> e : byId.entrySet()) {
        String id = e.getKey();
        StoredObject object = e.getValue();
        Path cached = cacheFile(cache, id, object);
        Outcome hit = cached == null ? null : fromCache(cached, target, id, now);
        if (hit != null) {
          reads.put(id, java.util.concurrent.CompletableFuture.completedFuture(hit));
          continue;
        }
        if (readers == null) {
          readers = Executors.newFixedThreadPool(READERS, daemons(store.name()));
        }
        reads.put(id, readers.submit(() -> download(store, object.key(), target, id, now, cached)));
      }
      for (Map.Entry<String, Future<Outcome>> e : reads.entrySet()) {
        Outcome outcome = await(store, e.getValue());
        if (outcome.manifest() != null) {
          manifests.put(e.getKey(), outcome.manifest());
        } else if (outcome.invalid() != null) {
          invalid.put(e.getKey(), outcome.invalid());
        }
      }
    } finally {
      if (readers != null) {
        readers.shutdownNow();
      }
    }
    forgetOthers(cache, byId.keySet());
    return new Result(manifests, invalid);
  }

  /** A manifest, or why it cannot be trusted, or neither: it was gone when read. */
  private record Outcome(Manifest manifest, String invalid) {}

  private static Outcome download(
      BackupStore store, String key, String target, String id, Instant now, Path cached)
      throws IOException {
    byte[] bytes;
    try (InputStream in = store.open(key)) {
      bytes = in.readAllBytes();
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return new Outcome(null, null);
      }
      throw e;
    }
    Manifest manifest;
    try {
      manifest = Manifests.read(bytes, target, id, now);
    } catch (IllegalArgumentException e) {
      return new Outcome(null, e.getMessage());
    }
    if (cached != null) {
      remember(cached, bytes);
    }
    return new Outcome(manifest, null);
  }

  private static Outcome await(BackupStore store, Future<Outcome> read) {
    try {
      return read.get();
    } catch (ExecutionException x) {
      Throwable cause = x.getCause();
      if (cause instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(
          store.name(),
          StoreException.Kind.UNAVAILABLE,
          "store '" + store.name() + "' failed reading a manifest: " + cause.getMessage(),
          cause);
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          store.name(), StoreException.Kind.OTHER, "interrupted reading manifests", x);
    }
  }

  /**
   * {@code <store name>-<where it is>/<target>}: keyed by the store's location too (bucket, prefix,
   * endpoint), so two configurations that give one name to different places never share entries
   * (each listing drops the entries its store does not list).
   */
  private static Path cacheDir(Path cacheRoot, BackupStore store, String target) {
    if (cacheRoot == null
        || !SAFE.matcher(store.name()).matches()
        || !SAFE.matcher(target).matches()) {
      return null;
    }
    String where =
        Integer.toHexString(store.describe().hashCode())
            + Integer.toHexString(
                new StringBuilder(store.describe()).reverse().toString().hashCode());
    return cacheRoot.resolve(store.name() + "-" + where).resolve(target);
  }

  /** {@code <id>.<etag>.<size>.json}; null where the store gives no ETag to key it by. */
  private static Path cacheFile(Path cache, String id, StoredObject object) {
    if (cache == null || object.etag() == null) {
      return null;
    }
    String etag = object.etag().replace("\"", "");
    if (etag.isEmpty() || !SAFE.matcher(etag).matches()) {
      return null;
    }
    return cache.resolve(id + "." + etag + "." + object.size() + ".json");
  }

  private static Outcome fromCache(Path file, String target, String id, Instant now) {
    try {
      return new Outcome(Manifests.read(Files.readAllBytes(file), target, id, now), null);
    } catch (IOException | RuntimeException e) {
      // missing or damaged: read it from the store instead (and overwrite it)
      return null;
    }
  }

  private static void remember(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Path temp = Files.createTempFile(file.getParent(), ".", ".partial");
      try {
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("manifest cache not written ({}): {}", file, e.toString());
    }
  }

  /** Drops cached manifests of backups the store no longer lists (pruned, here or elsewhere). */
  private static void forgetOthers(Path cache, Set<String> listed) {
    if (cache == null || !Files.isDirectory(cache)) {
      return;
    }
    try (Stream<Path> files = Files.list(cache)) {
      List<Path> stale =
          files
              .filter(
                  f -> {
                    String name = f.getFileName().toString();
                    int dot = name.indexOf('.');
                    return dot <= 0 || !listed.contains(name.substring(0, dot));
                  })
              .toList();
      for (Path f : stale) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("manifest cache not tidied ({}): {}", cache, e.toString());
    }
  }

  private static java.util.concurrent.ThreadFactory daemons(String store) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "manifests-" + store + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
