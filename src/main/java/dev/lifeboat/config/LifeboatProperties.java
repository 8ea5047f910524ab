package dev.lifeboat.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code lifeboat.*} (CONTRACT §2). Unknown keys are an error, so a typo in a
 * store or target is reported instead of silently ignored.
 */
@ConfigurationProperties(prefix = "lifeboat", ignoreUnknownFields = false)
@Validated
public record LifeboatProperties(
    @DefaultValue("./.lifeboat") Path home,
    Path spoolDir,
    @DefaultValue Control control,
    Map<String, TargetProperties> targets,
    Map<String, StoreProperties> stores,
    @DefaultValue @Valid Retention retention,
    @DefaultValue Pg pg,
    @DefaultValue @Valid Backup backup,
    @DefaultValue @Valid Restore restore,
    @DefaultValue @Valid Http http,
    @DefaultValue @Valid Migrations migrations,
    @DefaultValue Dir dataMigrations,
    @DefaultValue Dir drills,
    Map<String, Schedule> schedules,
    String node,
    @DefaultValue @Valid Serve serve,
    @DefaultValue @Valid Metrics metrics,
    @DefaultValue @Valid @Name("notify") Notify notifications,
    @DefaultValue Encryption encryption,
    @DefaultValue Signing signing,
    @DefaultValue @Valid HistoryRetention history) {

  /** Where restores decompress archives; {@code <home>/spool} unless set. */
  public Path spool() {
    return spoolDir != null ? spoolDir : home.resolve("spool");
  }

  /**
   * A job directory ({@code jobs/migrations}, {@code jobs/drills}...): {@code configured}, else
   * {@code fallback}; a relative one missing from the working directory is taken from below
   * LIFEBOAT_ROOT when it is there.
   */
  public static Path jobDir(Path configured, String fallback) {
    Path dir = configured != null ? configured : Path.of(fallback);
    if (!dir.isAbsolute() && !Files.isDirectory(dir)) {
      String root = System.getenv("LIFEBOAT_ROOT");
      if (root != null && Files.isDirectory(Path.of(root).resolve(dir))) {
        return Path.of(root).resolve(dir);
      }
    }
    return dir;
  }

  public LifeboatProperties {
    targets = targets == null ? Map.of() : targets;
    stores = stores == null ? Map.of() : stores;
    schedules = schedules == null ? Map.of() : schedules;
  }

  /** Where Spring Batch (and later Quartz) keep their state. */
  public record Control(String url, String username, String password) {
    @Override
    public String toString() {
      return "Control[url=" + url + ", username=" + username + "]";
    }
  }

  /** A database to protect. */
  public record TargetProperties(
      String url,
      String username,
      String password,
      List<String> stores,
      String drillUrl,
      Map<String, Schedule> schedules,
      @Valid Retention retention,
      Dir migrations,
      Encryption encryption,
      Dir drills,
      TenantIsolation tenantIsolation,
      @DefaultValue("account_id") String tenantColumn,
      TargetBackup backup,
      @DefaultValue Wal wal) {

    public TargetProperties {
      schedules = schedules == null ? Map.of() : schedules;
      tenantColumn = tenantColumn == null || tenantColumn.isBlank() ? "account_id" : tenantColumn;
    }

    @Override
    public String toString() {
      return "TargetProperties[url=" + url + ", username=" + username + ", stores=" + stores + "]";
    }
  }

  /**
   * A place backups go: {@code type: s3} or {@code type: filesystem}. The timeouts bound every S3
   * request (see {@code S3StoreSettings.Timeouts}).
   */
  public record StoreProperties(
      String type,
      Path path,
      String endpoint,
      @DefaultValue("us-east-1") String region,
      String bucket,
      @DefaultValue("") String prefix,
      @DefaultValue("false") boolean pathStyle,
      String accessKey,
      String secretKey,
      @DefaultValue("when-required") String checksum,
      @DefaultValue("16MB") DataSize partSize,
      @DefaultValue("10s") Duration connectTimeout,
      @DefaultValue("60s") Duration requestTimeout,
      @DefaultValue("10m") Duration partTimeout,
      @Valid Retention retention,
      @DefaultValue("optional") String encryption,
      String serverSideEncryption,
      String kmsKeyId) {

    @Override
    public String toString() {
      return "StoreProperties[type="
          + type
          + ", path="
          + path
          + ", endpoint="
          + endpoint
          + ", bucket="
          + bucket
          + ", prefix="
          + prefix
          + "]";
    }
  }

  /**
   * Retention rules (CONTRACT §2). Every key is optional: a store's rules override its target's, a
   * target's override the global ones key by key, and what no level sets takes the defaults
   * (keep-last 7, keep-daily 7, keep-weekly 4, keep-monthly 12, min-age 24h, zone UTC); see {@code
   * retention/RetentionSettings}.
   */
  public record Retention(
      @PositiveOrZero Integer keepLast,
      @PositiveOrZero Integer keepDaily,
      @PositiveOrZero Integer keepWeekly,
      @PositiveOrZero Integer keepMonthly,
      @DurationMin(seconds = 0) Duration minAge,
      @PositiveOrZero Integer keepHourly,
      @PositiveOrZero Integer keepYearly,
      @DurationMin(seconds = 0) Duration keepWithin,
      List<String> keepLabels,
      String zone,
      @DurationMin(seconds = 0) Duration leftoverAge) {}

  /** Extra directories searched first for pg_dump, pg_restore, psql, initdb. */
  public record Pg(List<Path> binDirs) {
    public Pg {
      binDirs = binDirs == null ? List.of() : binDirs;
    }
  }

  /** How dumps are compressed and sent. */
  public record Backup(
      @DefaultValue("2") @Min(1) @Max(22) int compressionLevel, // zstd's levels
      @DefaultValue("0") @PositiveOrZero int compressionWorkers, // 0: no extra threads
      @DefaultValue("4") @Min(1) @Max(1024) int queueChunks) {}

  /** How restores and drills run pg_restore. */
  public record Restore(
      @DefaultValue("0") @PositiveOrZero int jobs,
      @DefaultValue("6h") @DurationMin(seconds = 1) Duration timeout) {
    /** Parallel pg_restore jobs: the configured number, else one per core. */
    public int effectiveJobs() {
      return jobs > 0 ? jobs : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
  }

  public record Http(
      @DefaultValue("8080") @Min(1) @Max(65535) int port,
      @DefaultValue("127.0.0.1") String address) {}

  public record Dir(Path dir) {}

  /**
   * When a job runs: a Quartz cron expression in {@code zone}. Under {@code lifeboat.schedules} it
   * applies to every target (or to {@code targets}); under a target it replaces the global one for
   * that target, and {@code enabled: false} switches it off there.
   */
  public record Schedule(
      String cron,
      @DefaultValue("UTC") String zone,
      List<String> targets,
      @DefaultValue("true") boolean enabled) {}

  /** The daemon ({@code serve}): scheduler threads and cluster timing. */
  public record Serve(
      Boolean cluster,
      @DefaultValue("4") @Min(1) @Max(64) int threads,
      @DefaultValue("7500ms") @DurationMin(millis = 1000) Duration checkinInterval,
      @DefaultValue("60s") @DurationMin(seconds = 1) Duration misfireThreshold,
      @DefaultValue("20s") @DurationMin(seconds = 1) Duration stopTimeout) {}

  /**
   * The job repository's own retention ({@code lifeboat.history}): {@code serve} removes the runs
   * that ended more than {@code keep} ago, but never the newest run of a job and target, nor a
   * running one.
   */
  public record HistoryRetention(@DefaultValue("400d") @DurationMin(days = 1) Duration keep) {}

  /** What {@code serve} measures beyond the jobs: how often it probes stores and schedules. */
  public record Metrics(@DefaultValue("60s") @DurationMin(seconds = 1) Duration probeInterval) {}

  /**
   * Notifications without a monitoring stack: webhooks per event, and a heartbeat URL pinged after
   * each backup (a dead man's switch). Delivery never fails a job.
   */
  public record Notify(
      List<@Valid Webhook> webhooks,
      String heartbeatUrl,
      String heartbeatFailureUrl,
      @DefaultValue("10s") @DurationMin(millis = 100) Duration timeout,
      @DefaultValue("3") @Min(1) @Max(10) int attempts) {

    public Notify {
      webhooks = webhooks == null ? List.of() : webhooks;
    }

    @Override
    public String toString() {
      return "Notify[webhooks=" + webhooks.size() + ", heartbeat=" + (heartbeatUrl != null) + "]";
    }
  }

  /** One webhook: where (a secret: from ${ENV}), which events, json or slack. */
  public record Webhook(String url, List<String> events, @DefaultValue("json") String format) {
    public Webhook {
      events = events == null ? List.of() : events;
    }

    @Override
    public String toString() {
      return "Webhook[events=" + events + ", format=" + format + "]";
    }
  }

  /**
   * The built-in drill check {@code tenant-isolation}: as {@code role}, with the session setting
   * {@code setting} at the first probe account, no row of the second is seen or touched.
   */
  public record TenantIsolation(
      String role, @DefaultValue("app.account_id") String setting, List<String> probeAccounts) {
    public TenantIsolation {
      probeAccounts = probeAccounts == null ? List.of() : List.copyOf(probeAccounts);
    }
  }

  /**
   * Versioned migrations ({@code lifeboat migrate}): where the files are, the {@code lock_timeout}
   * every migration runs under, and whether {@code --safe} is the only way to apply.
   */
  public record Migrations(
      Path dir,
      @DefaultValue("5s") @DurationMin(millis = 1) Duration lockTimeout,
      @DefaultValue("false") boolean requireSafe) {}

  /**
   * age encryption of backups: {@code recipients} are public keys (age1...) backups are encrypted
   * to; {@code identities} are files or {@code ${ENV}} values holding the secret keys restore,
   * drill and {@code verify --deep} use; {@code manifestDetails: false} leaves row counts and RLS
   * state (table names) out of the unencrypted manifest. Under a target, recipients replace the
   * global ones.
   */
  public record Encryption(
      List<String> recipients, List<String> identities, Boolean manifestDetails) {
    public Encryption {
      recipients = recipients == null ? List.of() : recipients;
      identities = identities == null ? List.of() : identities;
    }
  }

  /**
   * Manifest signing: {@code key} is the Ed25519 private key (PKCS#8 PEM, mode 0600) backups sign
   * their manifests with (default {@code <home>/keys/signing.key}, made by the first backup);
   * {@code trustedKeys} are the public keys whose signatures restore, drill and verify accept, on
   * top of this host's own key.
   */
  public record Signing(Path key, List<String> trustedKeys) {
    public Signing {
      trustedKeys = trustedKeys == null ? List.of() : trustedKeys;
    }
  }

  /**
   * A target's backup settings: {@code role-passwords} stores the roles' password hashes in the
   * backup's globals (off: roles are restored without passwords).
   */
  public record TargetBackup(@DefaultValue("false") boolean rolePasswords) {}

  /**
   * Continuous WAL archiving of the target's server (issue 21), off unless {@code enabled}: the
   * replication slot Lifeboat moves, how often the segment in progress reaches the stores, the
   * local spool's bound, the zstd level of WAL, and the base backups around it. Checked when the
   * configuration loads ({@code config/WalSettings}).
   */
  public record Wal(
      @DefaultValue("false") boolean enabled,
      String slot,
      @DefaultValue("10s") Duration partialUploadInterval,
      @DefaultValue("2GB") DataSize spoolMax,
      @DefaultValue("3") int compressionLevel,
      @DefaultValue("true") boolean basebackupOnBreak,
      @DefaultValue("5m") Duration basebackupWalTimeout) {

    /** The slot: the configured one, else {@code lifeboat_<target>} with '-' as '_'. */
    public String slotName(String target) {
      return slot == null || slot.isBlank() ? "lifeboat_" + target.replace('-', '_') : slot;
    }
  }
}
