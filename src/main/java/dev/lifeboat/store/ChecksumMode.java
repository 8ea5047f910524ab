package dev.lifeboat.store;

/**
 * When the S3 client adds and checks its own checksums.
 *
 * <p>{@link #WHEN_REQUIRED} is the default because Backblaze B2, Wasabi, R2 and older MinIO reject
 * or mishandle the CRC32 headers AWS SDK v2 sends otherwise. Lifeboat records its own SHA-256 in
 * every manifest either way.
 */
public enum ChecksumMode {
  /** Only where the S3 API demands one (e.g. DeleteObjects). */
  WHEN_REQUIRED,
  /** On every request and response that supports it (AWS S3 itself). */
  WHEN_SUPPORTED
}
