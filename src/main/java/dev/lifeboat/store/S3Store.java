package dev.lifeboat.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A store in an S3-compatible bucket (AWS, MinIO, R2, B2, Wasabi…), under an optional prefix.
 *
 * <p>Uploads of unknown length are buffered into equal parts of {@link
 * S3StoreSettings#partSizeBytes()}; one part or less goes as a single PutObject, more as a
 * multipart upload that is aborted on any failure. Error messages name the store, bucket and
 * endpoint, never the secret key.
 */
final class S3Store implements BackupStore {

  private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);

  /** A multipart upload the server still holds: in progress, or left by a crashed backup. */
  public record UnfinishedUpload(String key, String uploadId, Instant initiated) {}

  /** S3's limit for one DeleteObjects request. */
  static final int DELETE_BATCH_SIZE = 1000;

  private static final int INITIAL_BUFFER_BYTES = 256 * 1024;
  private static final int GROW_LIMIT = 1024 * 1024;
  private static final int MAX_ATTEMPTS = S3StoreSettings.MAX_ATTEMPTS;

  private final S3StoreSettings settings;
  private final String bucket;
  private final String prefix;
  private final S3Client s3;

  public S3Store(S3StoreSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.bucket = settings.bucket();
    this.prefix = settings.prefix();
    this.s3 = buildClient(settings);
  }

  private static S3Client buildClient(S3StoreSettings settings) {
    boolean always = settings.checksumMode() == ChecksumMode.WHEN_SUPPORTED;
    S3StoreSettings.Timeouts timeouts = settings.timeouts();
    var builder =
        S3Client.builder()
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .connectionTimeout(timeouts.connect())
                    // silence on an open connection longer than a request may take is a dead peer
                    .socketTimeout(timeouts.request())
                    .connectionAcquisitionTimeout(timeouts.connect()))
            .region(Region.of(settings.region()))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
            .forcePathStyle(settings.pathStyle())
            .requestChecksumCalculation(
                always
                    ? RequestChecksumCalculation.WHEN_SUPPORTED
                    : RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(
                always
                    ? ResponseChecksumValidation.WHEN_SUPPORTED
                    : ResponseChecksumValidation.WHEN_REQUIRED)
            // MinIO rejects DeleteObjects without Content-MD5, which SDK 2.30+ stopped sending.
            .addPlugin(LegacyMd5Plugin.create())
            .overrideConfiguration(
                o ->
                    o.apiCallAttemptTimeout(timeouts.request())
                        .apiCallTimeout(allAttempts(timeouts.request()))
                        .retryStrategy(r -> r.maxAttempts(MAX_ATTEMPTS)));
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    return builder.build();
  }

  /**
   * The budget of one call: every attempt at full length (backoff between them comes out of it).
   */
  private static Duration allAttempts(Duration attempt) {
    return attempt.multipliedBy(MAX_ATTEMPTS);
  }

  /** A part (or a whole small object) may take longer than other requests: it carries the data. */
  private AwsRequestOverrideConfiguration partTimeouts() {
    Duration part = settings.timeouts().part();
    return AwsRequestOverrideConfiguration.builder()
        .apiCallAttemptTimeout(part)
        .apiCallTimeout(allAttempts(part))
        .build();
  }

  @Override
  public String name() {
    return settings.name();
  }

  /** What this store was built from (its toString hides the secret). */
  public S3StoreSettings settings() {
    return settings;
  }

  @Override
  public Set<StoreFeature> features() {
    return EnumSet.of(StoreFeature.MULTIPART);
  }

  @Override
  public ObjectUpload upload(String key) {
    return new S3Upload(StoreKeys.requireValidKey(key));
  }

  @Override
  public void put(String key, byte[] content) {
    StoreKeys.requireValidKey(key);
    try {
      s3.putObject(
          b -> {
            b.bucket(bucket).key(prefix + key).contentLength((long) content.length);
            if (settings.serverSideEncryption() != null) {
              b.serverSideEncryption(settings.serverSideEncryption())
                  .ssekmsKeyId(settings.kmsKeyId());
            }
          },
          RequestBody.fromBytes(content));
    } catch (RuntimeException e) {
      throw failure("write", key, e);
    }
  }

  @Override
  public InputStream open(String key) {
    StoreKeys.requireValidKey(key);
    try {
      return s3.getObject(b -> b.bucket(bucket).key(prefix + key));
    } catch (RuntimeException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String key) {
    StoreKeys.requireValidKey(key);
    try {
      HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(prefix + key));
      return Optional.of(
          new StoredObject(key, head.contentLength(), head.lastModified(), head.eTag()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
        return Optional.empty();
      }
      throw failure("read", key, e);
    } catch (RuntimeException e) {
      throw failure("read", key, e);
    }
  }

  @Override
  public List<StoredObject> list(String keyPrefix) {
    StoreKeys.requireValidPrefix(keyPrefix);
    List<StoredObject> objects = new ArrayList<>();
    try {
      for (S3Object object :
          s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix)).contents()) {
        String key = object.key().substring(prefix.length());
        if (!key.isEmpty() && !key.endsWith("/")) { // skip "folder" markers made by consoles
          objects.add(new StoredObject(key, object.size(), object.lastModified(), object.eTag()));
        }
      }
    } catch (RuntimeException e) {
      throw failure("list", null, e);
    }
    return objects;
  }

  @Override
  public void probe() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (RuntimeException e) {
      throw failure("probe", null, e);
    }
  }

  /**
   * Whether the bucket keeps old versions and has Object Lock (the doctor shows it; Lifeboat does
   * not require either). "unknown" when the store does not say.
   */
  @Override
  public Optional<String> protection() {
    return Optional.of(versioningAndLock());
  }

  private String versioningAndLock() {
    String versioning;
    try {
      String status = s3.getBucketVersioning(b -> b.bucket(bucket)).statusAsString();
      versioning = status == null || status.isBlank() ? "off" : status.toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      versioning = "unknown";
    }
    String lock;
    try {
      var config = s3.getObjectLockConfiguration(b -> b.bucket(bucket)).objectLockConfiguration();
      lock =
          config != null && "Enabled".equalsIgnoreCase(config.objectLockEnabledAsString())
              ? "on"
              : "off";
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      lock = e.statusCode() == 404 ? "off" : "unknown";
    } catch (RuntimeException e) {
      lock = "unknown";
    }
    return "versioning " + versioning + ", Object Lock " + lock;
  }

  @Override
  public void delete(Collection<String> keys) {
    List<String> all = List.copyOf(keys);
    all.forEach(StoreKeys::requireValidKey);
    List<String> failures = new ArrayList<>();
    boolean allDenied = true;
    for (int from = 0; from < all.size(); from += DELETE_BATCH_SIZE) {
      List<ObjectIdentifier> batch =
          all.subList(from, Math.min(all.size(), from + DELETE_BATCH_SIZE)).stream()
              .map(key -> ObjectIdentifier.builder().key(prefix + key).build())
              .toList();
      DeleteObjectsResponse response;
      try {
        response =
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
      } catch (RuntimeException e) {
        throw failure("delete", null, e);
      }
      for (S3Error error : response.errors()) {
        if ("NoSuchKey".equals(error.code())) {
          continue; // some servers report what AWS silently ignores
        }
        allDenied &= "AccessDenied".equals(error.code());
        failures.add(relative(error.key()) + " (" + error.code() + ": " + error.message() + ")");
      }
    }
    if (!failures.isEmpty()) {
      String shown =
          failures.size() <= 5
              ? String.join(", ", failures)
              : String.join(", ", failures.subList(0, 5))
                  + " and "
                  + (failures.size() - 5)
                  + " more";
      throw new StoreException(
          name(),
          allDenied ? StoreException.Kind.ACCESS_DENIED : StoreException.Kind.OTHER,
          redact(
              where()
                  + " could not delete "
                  + failures.size()
                  + " of "
                  + all.size()
                  + " objects: "
                  + shown
                  + (allDenied ? "; check the credentials may delete in this bucket" : "")));
    }
  }

  /**
   * Multipart uploads the server still holds under {@code keyPrefix}. The store cannot tell a
   * running upload from an abandoned one: the caller decides by {@link UnfinishedUpload#initiated}.
   */
  public List<UnfinishedUpload> unfinishedUploads(String keyPrefix) {
    StoreKeys.requireValidPrefix(keyPrefix);
    List<UnfinishedUpload> uploads = new ArrayList<>();
    try {
      for (MultipartUpload upload :
          s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix))
              .uploads()) {
        uploads.add(
            new UnfinishedUpload(relative(upload.key()), upload.uploadId(), upload.initiated()));
      }
    } catch (RuntimeException e) {
      throw failure("list unfinished uploads in", null, e);
    }
    return uploads;
  }

  @Override
  public List<Leftover> leftovers(String keyPrefix) {
    return unfinishedUploads(keyPrefix).stream()
        .map(
            u -> new Leftover(Leftover.Kind.MULTIPART_UPLOAD, u.key(), u.uploadId(), u.initiated()))
        .toList();
  }

  @Override
  public void removeLeftover(Leftover leftover) {
    if (leftover.kind() != Leftover.Kind.MULTIPART_UPLOAD) {
      BackupStore.super.removeLeftover(leftover);
    }
    abortUpload(new UnfinishedUpload(leftover.key(), leftover.upload(), leftover.since()));
  }

  /** Discards an unfinished upload and its parts; one already gone is not an error. */
  public void abortUpload(UnfinishedUpload upload) {
    try {
      s3.abortMultipartUpload(
          b -> b.bucket(bucket).key(prefix + upload.key()).uploadId(upload.uploadId()));
    } catch (S3Exception e) {
      if (!"NoSuchUpload".equals(errorCode(e))) {
        throw failure("abort the upload of", upload.key(), e);
      }
    } catch (RuntimeException e) {
      throw failure("abort the upload of", upload.key(), e);
    }
  }

  @Override
  public OptionalLong freeBytes() {
    return OptionalLong.empty();
  }

  @Override
  public String describe() {
    URI endpoint = settings.endpoint();
    return "s3://"
        + bucket
        + "/"
        + prefix
        + (endpoint == null
            ? " in AWS region " + settings.region()
            : " at " + dev.lifeboat.base.Redaction.urls(endpoint.toString()));
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return "S3Store[" + name() + " " + describe() + "]";
  }

  private String relative(String objectKey) {
    return objectKey != null && objectKey.startsWith(prefix)
        ? objectKey.substring(prefix.length())
        : objectKey;
  }

  private String where() {
    return "store '" + name() + "' (" + describe() + ")";
  }

  private String configKey(String property) {
    return "lifeboat.stores." + name() + "." + property;
  }

  /** Belt and braces: no message we build includes the secret, but a server could echo it. */
  private String redact(String message) {
    String secret = settings.secretKey();
    message = dev.lifeboat.base.Redaction.urls(message);
    return secret.length() < 4 ? message : message.replace(secret, "****");
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  /** Turns an SDK failure into one sentence: what failed, where, and what to do. */
  private StoreException failure(String action, String key, RuntimeException e) {
    if (e instanceof StoreException known) {
      return known;
    }
    StoreException.Kind kind;
    String message;
    String what = key == null ? "" : " '" + key + "'";
    if (e instanceof S3Exception s3e) {
      String code = errorCode(s3e);
      int status = s3e.statusCode();
      String detail =
          "HTTP "
              + status
              + (code == null ? "" : " " + code)
              + (s3e.awsErrorDetails() == null || s3e.awsErrorDetails().errorMessage() == null
                  ? ""
                  : ": " + s3e.awsErrorDetails().errorMessage());
      if ("NoSuchBucket".equals(code)) {
        kind = StoreException.Kind.NOT_FOUND;
        message =
            where() + " has no bucket '" + bucket + "'; create it or fix " + configKey("bucket");
      } else if ("NoSuchKey".equals(code) || (status == 404 && key != null)) {
        kind = StoreException.Kind.NOT_FOUND;
        message = where() + " has no object" + what;
      } else if (status == 403
          || "InvalidAccessKeyId".equals(code)
          || "SignatureDoesNotMatch".equals(code)
          || "AccessDenied".equals(code)) {
        kind = StoreException.Kind.ACCESS_DENIED;
        message =
            where()
                + " refused to "
                + action
                + what
                + " ("
                + detail
                + "); check "
                + configKey("access-key")
                + " and "
                + configKey("secret-key")
                + " and the bucket's permissions";
      } else if (status >= 500 || status == 429 || "SlowDown".equals(code)) {
        kind = StoreException.Kind.UNAVAILABLE;
        message = where() + " failed to " + action + what + " (" + detail + "); try again later";
      } else {
        kind = StoreException.Kind.OTHER;
        message = where() + " failed to " + action + what + " (" + detail + ")";
      }
    } else if (isUnreachable(e)) {
      kind = StoreException.Kind.UNAVAILABLE;
      message =
          where()
              + " is unreachable: "
              + rootReason(e)
              + "; check the endpoint and that the server is up";
    } else {
      kind = StoreException.Kind.OTHER;
      message = where() + " failed to " + action + what + ": " + rootReason(e);
    }
    return new StoreException(name(), kind, redact(message), e);
  }

  private static boolean isUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof SocketException
          || t instanceof InterruptedIOException // includes connect and read timeouts
          || t instanceof ApiCallTimeoutException
          || t instanceof ApiCallAttemptTimeoutException
          || t.getClass().getName().equals("org.apache.http.NoHttpResponseException")) {
        return true;
      }
    }
    return false;
  }

  private static String rootReason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    if (root instanceof UnknownHostException) {
      return "unknown host " + message;
    }
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }

  /** One streamed write: buffered into parts, sent as one PutObject or a multipart upload. */
  private final class S3Upload implements ObjectUpload {

    private final String key;
    private final int partSize = settings.partSizeBytes();
    private final boolean checksums = settings.checksumMode() == ChecksumMode.WHEN_SUPPORTED;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buffer = new byte[Math.min(INITIAL_BUFFER_BYTES, partSize)];
    private int filled;
    private String uploadId;
    private boolean open = true;

    S3Upload(String key) {
      this.key = key;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      requireOpen();
      Objects.checkFromIndexSize(offset, length, bytes.length);
      try {
        while (length > 0) {
          // A full part is sent only once more bytes arrive, so the last part is never empty.
          if (filled == partSize) {
            sendPart();
          }
          int n = Math.min(length, partSize - filled);
          if (filled + n > buffer.length) {
            // small objects (a manifest) grow in steps; past GROW_LIMIT the buffer becomes a whole
            // part at once, which the next parts reuse: no 2, 4, 8 MiB copies left as garbage
            int need = filled + n;
            int size = need <= GROW_LIMIT ? Math.max(need, buffer.length * 2) : partSize;
            buffer = Arrays.copyOf(buffer, Math.min(partSize, size));
          }
          System.arraycopy(bytes, offset, buffer, filled, n);
          filled += n;
          offset += n;
          length -= n;
        }
      } catch (RuntimeException e) {
        abort();
        throw failure("upload", key, e);
      }
    }

    @Override
    public void commit() {
      requireOpen();
      try {
        if (uploadId == null) {
          s3.putObject(
              b -> {
                b.bucket(bucket)
                    .key(prefix + key)
                    .contentLength((long) filled)
                    .overrideConfiguration(partTimeouts());
                if (settings.serverSideEncryption() != null) {
                  b.serverSideEncryption(settings.serverSideEncryption())
                      .ssekmsKeyId(settings.kmsKeyId());
                }
              },
              body(buffer, filled));
        } else {
          sendPart();
          s3.completeMultipartUpload(
              b ->
                  b.bucket(bucket)
                      .key(prefix + key)
                      .uploadId(uploadId)
                      .multipartUpload(m -> m.parts(parts))
                      // assembling many parts can take the server a while
                      .overrideConfiguration(partTimeouts()));
        }
        open = false;
        buffer = null;
      } catch (RuntimeException e) {
        abort();
        throw failure("upload", key, e);
      }
    }

    @Override
    public void abort() {
      if (!open) {
        return;
      }
      open = false;
      buffer = null;
      if (uploadId != null) {
        try {
          s3.abortMultipartUpload(
              b ->
                  b.bucket(bucket)
                      .key(prefix + key)
                      .uploadId(uploadId)
                      .overrideConfiguration(o -> o.apiCallTimeout(settings.timeouts().request())));
        } catch (RuntimeException e) {
          // unreachable now: unfinishedUploads() finds it later for pruning
          LOG.debug(
              "upload {} left for pruning: {}",
              uploadId,
              failure("abort the upload of", key, e).getMessage());
        }
      }
    }

    private void sendPart() {
      if (uploadId == null) {
        uploadId =
            s3.createMultipartUpload(
                    b -> {
                      b.bucket(bucket).key(prefix + key);
                      if (settings.serverSideEncryption() != null) {
                        b.serverSideEncryption(settings.serverSideEncryption())
                            .ssekmsKeyId(settings.kmsKeyId());
                      }
                      if (checksums) {
                        b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
                      }
                    })
                .uploadId();
      }
      int number = parts.size() + 1;
      int length = filled;
      UploadPartResponse response =
          s3.uploadPart(
              b -> {
                b.bucket(bucket)
                    .key(prefix + key)
                    .uploadId(uploadId)
                    .partNumber(number)
                    .contentLength((long) length)
                    .overrideConfiguration(partTimeouts());
                if (checksums) {
                  b.checksumAlgorithm(ChecksumAlgorithm.CRC32);
                }
              },
              body(buffer, length));
      parts.add(
          CompletedPart.builder()
              .partNumber(number)
              .eTag(response.eTag())
              .checksumCRC32(response.checksumCRC32())
              .build());
      filled = 0;
    }

    private void requireOpen() {
      if (!open) {
        throw new IllegalStateException(
            "upload of '" + key + "' to store '" + name() + "' is already committed or aborted");
      }
    }
  }

  /** Streams straight from the part buffer, fresh for each attempt, without copying it. */
  private static RequestBody body(byte[] buffer, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(buffer, 0, length), length, "application/octet-stream");
  }
}
