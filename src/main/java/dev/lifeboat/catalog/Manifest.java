package dev.lifeboat.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.pg.PgCatalog.RlsState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The record of one complete backup, stored as {@code <target>/<id>/manifest.json} after the dump
 * object (CONTRACT §4). Its presence in a store means "this store holds the backup complete".
 *
 * @param sizeBytes size of the stored (compressed) dump object
 * @param sha256 hex SHA-256 of the stored dump object
 * @param rawBytes size of the uncompressed pg_dump archive
 * @param tables exact row count of every table, taken in the dump's own snapshot
 * @param rls row-level security state of every table, for restore drills
 * @param encryption how the stored objects are encrypted; null when they are not
 */
public record Manifest(
    String id,
    String target,
    String label,
    Instant startedAt,
    Instant completedAt,
    String format,
    long sizeBytes,
    String sha256,
    long rawBytes,
    String database,
    String serverVersion,
    String pgDumpVersion,
    String lifeboatVersion,
    Map<String, Long> tables,
    Map<String, RlsState> rls,
    boolean pinned,
    @JsonInclude(JsonInclude.Include.NON_NULL) Encryption encryption,
    Globals globals) {

  /**
   * The cluster's roles ({@code pg_dumpall --globals-only}) stored beside the dump: its key, size
   * and SHA-256 of the stored (zstd) bytes; null in backups made before it existed.
   */
  public record Globals(String key, long sizeBytes, String sha256) {}

  public static final String FORMAT = "pg_dump-custom+zstd";

  /** The format of a dump encrypted with age. */
  public static final String FORMAT_AGE = FORMAT + "+age";

  /** The stored objects are {@code format} (age) files readable by these recipients' identities. */
  public record Encryption(String format, List<String> recipients) {}

  /** True when the stored objects are encrypted. */
  public boolean encrypted() {
    return encryption != null;
  }

  /** The recipients the backup is encrypted to; empty when it is not encrypted. */
  public List<String> recipients() {
    return encryption == null || encryption.recipients() == null
        ? List.of()
        : encryption.recipients();
  }

  /** The dump object's name beside the manifest. */
  public static final String DUMP_FILE = "dump";

  /**
   * Whether {@code name} is a backup id ({@code 20261207T020000Z}, {@code -N} when taken): the only
   * folders under a target's prefix that are backups, judged by prune.
   */
  public static boolean isBackupId(String name) {
    return BackupId.isValid(name);
  }

  /** Key of the dump object of backup {@code id} of {@code target}. */
  public static String dumpKey(String target, String id) {
    return target + "/" + id + "/" + DUMP_FILE;
  }

  /** The manifest's name beside the dump: written last, so its presence means complete. */
  public static final String FILE = "manifest.json";

  /** Key of the manifest of backup {@code id} of {@code target}. */
  public static String manifestKey(String target, String id) {
    return target + "/" + id + "/" + FILE;
  }

  /**
   * The manifest's detached signature beside it ({@link ManifestSignatures}): written just before
   * the manifest, so a manifest's presence still means "complete".
   */
  public static final String SIGNATURE_FILE = "manifest.sig";

  /** Key of the signature of the manifest of backup {@code id} of {@code target}. */
  public static String signatureKey(String target, String id) {
    return target + "/" + id + "/" + SIGNATURE_FILE;
  }

  /**
   * Key of the mark a passed {@code verify} or drill leaves beside backup {@code id}: this copy was
   * read back whole and proved good (see {@link Verifications}).
   */
  public static String verifiedKey(String target, String id) {
    return target + "/" + id + "/" + Verifications.FILE;
  }
}
