package dev.lifeboat.store;

import java.net.URI;
import java.time.Duration;

/**
 * Everything needed to reach one S3-compatible bucket.
 *
 * <p>{@code endpoint} is null for AWS itself. {@code prefix} is "" or a folder; a missing trailing
 * '/' is added. {@code checksumMode} null means {@link ChecksumMode#WHEN_REQUIRED}; {@code
 * partSizeBytes} 0 means 16 MiB; {@code timeouts} null means {@link Timeouts#DEFAULT}. {@link
 * #toString()} never shows the secret key.
 */
public record S3StoreSettings(
    String name,
    URI endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    String accessKey,
    String secretKey,
    ChecksumMode checksumMode,
    int partSizeBytes,
    Timeouts timeouts,
    String serverSideEncryption,
    String kmsKeyId) {

  /**
   * How long the store may take, so a server that accepts and never answers cannot hold a backup:
   * {@code connect} for a TCP (and TLS) connection; {@code request} for one attempt of any request
   * but a part upload, and for silence on an open connection; {@code part} for one attempt of
   * uploading one part (or a whole small object). Each request is tried at most {@link
   * #MAX_ATTEMPTS} times.
   */
  public record Timeouts(Duration connect, Duration request, Duration part) {

    public static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(10));

    public Timeouts {
      for (Duration d : new Duration[] {connect, request, part}) {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("S3 store timeouts must be positive");
        }
      }
    }
  }

  /** Attempts per request, the first included. */
  public static final int MAX_ATTEMPTS = 3;

  public static final int DEFAULT_PART_SIZE_BYTES = 16 * 1024 * 1024;

  /** S3's own lower bound for every part but the last. */
  public static final int MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;

  public S3StoreSettings {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("an S3 store needs a name");
    }
    String key = "lifeboat.stores." + name + ".";
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("S3 store '" + name + "' needs " + key + "bucket");
    }
    if (region == null || region.isBlank()) {
      region = "us-east-1";
    }
    prefix = prefix == null ? "" : prefix.replaceFirst("^/+", "");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
      throw new IllegalArgumentException(
          "S3 store '" + name + "' needs " + key + "access-key and " + key + "secret-key");
    }
    if (checksumMode == null) {
      checksumMode = ChecksumMode.WHEN_REQUIRED;
    }
    if (timeouts == null) {
      timeouts = Timeouts.DEFAULT;
    }
    if (partSizeBytes == 0) {
      partSizeBytes = DEFAULT_PART_SIZE_BYTES;
    }
    if (partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new IllegalArgumentException(
          "S3 store '"
              + name
              + "' part size "
              + partSizeBytes
              + " is below S3's minimum of "
              + MIN_PART_SIZE_BYTES
              + " bytes (5 MiB)");
    }
  }

  @Override
  public String toString() {
    return "S3StoreSettings[name="
        + name
        + ", endpoint="
        + endpoint
        + ", region="
        + region
        + ", bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", pathStyle="
        + pathStyle
        + ", accessKey="
        + accessKey
        + ", secretKey=****"
        + ", checksumMode="
        + checksumMode
        + ", partSizeBytes="
        + partSizeBytes
        + ", timeouts="
        + timeouts
        + ", serverSideEncryption="
        + serverSideEncryption
        + ", kmsKeyId="
        + kmsKeyId
        + "]";
  }
}
