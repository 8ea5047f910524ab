package dev.lifeboat.store;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens each store once and shares it: a store is a client with its connections (S3) or a
 * directory, not a value to make at every call. {@link #close()} closes them all.
 */
public final class StoreFactory implements AutoCloseable {

  private final Map<String, BackupStore> open = new LinkedHashMap<>();

  /** The store already opened under {@code name}, or null. */
  public synchronized BackupStore opened(String name) {
    return open.get(name);
  }

  /** The filesystem store {@code name} at {@code directory}, opened on first use. */
  public synchronized BackupStore open(String name, Path directory) {
    return open.computeIfAbsent(name, n -> BackupStore.filesystem(n, directory));
  }

  /** The S3 store the settings describe, opened on first use. */
  public synchronized BackupStore open(S3StoreSettings settings) {
    return open.computeIfAbsent(settings.name(), n -> BackupStore.s3(settings));
  }

  @Override
  public synchronized void close() {
    open.values().forEach(BackupStore::close);
    open.clear();
  }
}
