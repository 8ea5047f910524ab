package dev.lifeboat.store;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One place backups are kept: a filesystem directory or an S3-compatible bucket.
 *
 * <p>Keys are relative and use '/' ({@code app/20261125T020000Z/dump}); the store applies its own
 * root (directory or bucket prefix). Nothing written through {@link #upload(String)} is visible
 * under its key before {@link ObjectUpload#commit()}.
 */
public interface BackupStore extends AutoCloseable {

  /** The store's name from the configuration. */
  String name();

  /** What this driver really can do; callers check instead of guessing. */
  Set<StoreFeature> features();

  /** Starts a streamed write of an object of unknown length. */
  ObjectUpload upload(String key);

  /** Writes a small object whole and atomically (used for manifests). */
  void put(String key, byte[] content);

  /** Opens an object for reading; {@link StoreException.Kind#NOT_FOUND} when it does not exist. */
  InputStream open(String key);

  /** Every object whose key starts with {@code prefix}, in no particular order. */
  List<StoredObject> list(String prefix);

  /**
   * One object looked up directly by its key (S3: a HEAD), not through a listing: empty when it
   * does not exist. Used to confirm what a listing says before acting on it (a gateway can end a
   * listing too soon).
   */
  Optional<StoredObject> stat(String key);

  /** Deletes the objects; missing ones are ignored. */
  void delete(Collection<String> keys);

  /**
   * Checks cheaply that the store answers and can be written (the health check): an S3 bucket that
   * exists and the credentials reach, a directory that exists or can be made. Throws {@link
   * StoreException} otherwise.
   */
  void probe();

  /**
   * What unfinished writes left under {@code prefix} ({@link Leftover}); none for a store whose
   * writes leave nothing behind.
   */
  default List<Leftover> leftovers(String prefix) {
    return List.of();
  }

  /** Removes one leftover that {@link #leftovers} found; one already gone is not an error. */
  default void removeLeftover(Leftover leftover) {
    throw new IllegalArgumentException(
        "'" + leftover.key() + "' is not a leftover of store '" + name() + "'");
  }

  /**
   * How the store protects what it holds beyond Lifeboat's own rules (S3: versioning, Object Lock),
   * for the doctor; empty where there is nothing to say.
   */
  default Optional<String> protection() {
    return Optional.empty();
  }

  /** Free space where the store can tell (filesystem stores), else empty. */
  OptionalLong freeBytes();

  /** Total space of the file system that holds the store, where it can tell; else empty. */
  default OptionalLong totalBytes() {
    return OptionalLong.empty();
  }

  /**
   * A short description for messages, without secrets (e.g. {@code s3://bucket/prefix at
   * http://host:9000}).
   */
  String describe();

  @Override
  void close();

  /** A store in the directory {@code root}. */
  static BackupStore filesystem(String name, Path root) {
    return new FilesystemStore(name, root);
  }

  /** A store in the S3 bucket the settings describe. */
  static BackupStore s3(S3StoreSettings settings) {
    return new S3Store(settings);
  }
}
