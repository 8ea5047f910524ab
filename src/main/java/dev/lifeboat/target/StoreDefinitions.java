package dev.lifeboat.target;

import dev.lifeboat.base.Redaction;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.StoreProperties;
import dev.lifeboat.config.Placeholders;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.S3StoreSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.util.unit.DataSize;

/**
 * The stores as configured, turned into what opens them ({@code StoreProperties} to a directory or
 * {@link S3StoreSettings}), every mistake a {@link ConfigException} naming its key.
 */
final class StoreDefinitions {

  private static final long MIN_PART = DataSize.ofMegabytes(5).toBytes();

  private final LifeboatProperties properties;
  private final Placeholders placeholders;

  StoreDefinitions(LifeboatProperties properties, Placeholders placeholders) {
    this.properties = properties;
    this.placeholders = placeholders;
  }

  /** Validates a store definition: a {@link Path} for filesystem stores, else S3 settings. */
  Object definition(String name) {
    StoreProperties s = properties.stores().get(name);
    String key = "lifeboat.stores." + name;
    if (s == null) {
      throw new ConfigException(key, "no such store");
    }
    LifeboatConfig.checkName("stores", name);
    placeholders.requireResolved(key + ".type", s.type());
    placeholders.requireResolved(key + ".path", s.path());
    placeholders.requireResolved(key + ".endpoint", s.endpoint());
    placeholders.requireResolved(key + ".region", s.region());
    placeholders.requireResolved(key + ".bucket", s.bucket());
    placeholders.requireResolved(key + ".prefix", s.prefix());
    placeholders.requireResolved(key + ".access-key", s.accessKey());
    placeholders.requireResolved(key + ".secret-key", s.secretKey());
    String type = s.type() == null ? "" : s.type().trim().toLowerCase();
    String encryption = s.encryption() == null ? "" : s.encryption().strip().toLowerCase();
    if (!encryption.equals("optional") && !encryption.equals("required")) {
      throw new ConfigException(
          key + ".encryption", "must be 'optional' or 'required' (was '" + s.encryption() + "')");
    }
    switch (type) {
      case "filesystem" -> {
        if (!blank(s.serverSideEncryption()) || !blank(s.kmsKeyId())) {
          throw new ConfigException(
              key + ".server-side-encryption",
              "is for S3 stores only; a filesystem store has no server-side encryption (use age"
                  + " recipients, see docs/encryption.md)");
        }
        if (s.path() == null) {
          throw new ConfigException(key + ".path", "missing; set the directory backups go to");
        }
        checkStorePath(key + ".path", s.path());
        return s.path();
      }
      case "s3" -> {
        return s3Settings(name, key, s);
      }
      default ->
          throw new ConfigException(
              key + ".type",
              "must be 's3' or 'filesystem' (was '" + (s.type() == null ? "" : s.type()) + "')");
    }
  }

  private static void checkStorePath(String key, Path path) {
    if (!path.isAbsolute()) {
      throw new ConfigException(
          key,
          "must be an absolute path (was '"
              + path
              + "'): cron, systemd and a shell start in different directories and would see"
              + " different stores");
    }
    if (Files.exists(path) && !Files.isDirectory(path)) {
      throw new ConfigException(key, path + " exists and is not a directory");
    }
    for (Path p = path.normalize(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("PG_VERSION")) && Files.isDirectory(p.resolve("global"))) {
        throw new ConfigException(
            key,
            path
                + " is inside the PostgreSQL data directory "
                + p
                + "; backups there are lost with the cluster: choose a directory outside it");
      }
    }
  }

  private S3StoreSettings s3Settings(String name, String key, StoreProperties s) {
    if (blank(s.bucket())) {
      throw new ConfigException(key + ".bucket", "missing; set the bucket name");
    }
    if (blank(s.accessKey())) {
      throw new ConfigException(
          key + ".access-key", "missing; set it from the environment, e.g. access-key: ${S3_KEY}");
    }
    if (blank(s.secretKey())) {
      throw new ConfigException(
          key + ".secret-key",
          "missing; set it from the environment, e.g. secret-key: ${S3_SECRET}");
    }
    URI endpoint = null;
    if (!blank(s.endpoint())) {
      try {
        endpoint = URI.create(s.endpoint().trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            key + ".endpoint", "not a valid URL: " + Redaction.urls(s.endpoint()));
      }
      if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
          || endpoint.getHost() == null) {
        throw new ConfigException(
            key + ".endpoint",
            "must be an http:// or https:// URL with a host (was "
                + Redaction.urls(s.endpoint())
                + ")");
      }
    }
    ChecksumMode checksum =
        switch (s.checksum().trim().toLowerCase().replace('_', '-')) {
          case "when-required" -> ChecksumMode.WHEN_REQUIRED;
          case "when-supported" -> ChecksumMode.WHEN_SUPPORTED;
          default ->
              throw new ConfigException(
                  key + ".checksum",
                  "must be 'when-required' or 'when-supported' (was '" + s.checksum() + "')");
        };
    long part = s.partSize().toBytes();
    if (part < MIN_PART || part > DataSize.ofGigabytes(5).toBytes()) {
      throw new ConfigException(
          key + ".part-size", "must be between 5MB and 5GB (was " + s.partSize() + ")");
    }
    String prefix = s.prefix() == null ? "" : s.prefix().trim();
    while (prefix.startsWith("/")) {
      prefix = prefix.substring(1);
    }
    if (List.of(prefix.split("/")).stream().anyMatch(seg -> seg.equals("..") || seg.equals("."))) {
      throw new ConfigException(
          key + ".prefix", "must not contain '.' or '..' segments (was '" + s.prefix() + "')");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    return new S3StoreSettings(
        name,
        endpoint,
        s.region(),
        s.bucket().trim(),
        prefix,
        s.pathStyle(),
        s.accessKey(),
        s.secretKey(),
        checksum,
        (int) part,
        new S3StoreSettings.Timeouts(
            positive(key + ".connect-timeout", s.connectTimeout()),
            positive(key + ".request-timeout", s.requestTimeout()),
            positive(key + ".part-timeout", s.partTimeout())),
        serverSideEncryption(key, s),
        blank(s.kmsKeyId()) ? null : s.kmsKeyId().strip());
  }

  /** {@code AES256} or {@code aws:kms} (S3's own words), or null; a KMS key only with aws:kms. */
  private String serverSideEncryption(String key, StoreProperties s) {
    placeholders.requireResolved(key + ".kms-key-id", s.kmsKeyId());
    String sse = blank(s.serverSideEncryption()) ? null : s.serverSideEncryption().strip();
    if (sse != null && !sse.equals("AES256") && !sse.equals("aws:kms")) {
      throw new ConfigException(
          key + ".server-side-encryption",
          "must be 'AES256' or 'aws:kms' (was '" + s.serverSideEncryption() + "')");
    }
    if (!blank(s.kmsKeyId()) && !"aws:kms".equals(sse)) {
      throw new ConfigException(
          key + ".kms-key-id", "needs server-side-encryption: aws:kms beside it");
    }
    return sse;
  }

  private static Duration positive(String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigException(key, "must be a positive duration such as 30s (was " + value + ")");
    }
    return value;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
