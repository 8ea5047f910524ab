package dev.lifeboat.store;

/** Capabilities that differ between drivers (pgBackRest's StorageFeature idea). */
public enum StoreFeature {
  /** {@link BackupStore#freeBytes()} returns a real figure. */
  FREE_SPACE,
  /** Objects are written in parts that can be abandoned (S3 multipart uploads). */
  MULTIPART,
  /** A rename makes an object visible atomically (filesystem). */
  ATOMIC_RENAME
}
