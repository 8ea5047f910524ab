package dev.lifeboat.store;

import java.time.Instant;

/**
 * An object as a store lists it; {@code etag} is the store's content tag where it gives one (S3),
 * else null.
 */
public record StoredObject(String key, long size, Instant lastModified, String etag) {

  public StoredObject(String key, long size, Instant lastModified) {
    this(key, size, lastModified, null);
  }
}
