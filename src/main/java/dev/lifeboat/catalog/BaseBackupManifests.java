package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BaseBackupCatalog.Manifest;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.crypto.TrustedKeys;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * Reads, writes and signs {@code basebackup.json} as {@link Manifests} does {@code manifest.json}:
 * the same JSON mapper, the same Ed25519 signature over format, key and exact bytes ({@link
 * ManifestSignatures#sign}), written just before the manifest so that the manifest still goes last.
 */
final class BaseBackupManifests {

  private static final Logger LOG = LoggerFactory.getLogger(BaseBackupManifests.class);

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SYSTEM = Pattern.compile("[1-9]\\d{0,19}");

  private BaseBackupManifests() {}

  static byte[] write(Manifest manifest) {
    return Json.mapper().writeValueAsBytes(manifest);
  }

  /** Parses a manifest; a damaged one is an {@link IllegalArgumentException} naming the problem. */
  static Manifest read(byte[] json) {
    Manifest m;
    try {
      m = Json.mapper().readValue(json, Manifest.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "basebackup.json is not valid JSON: " + e.getOriginalMessage());
    }
    if (m == null || m.id() == null || m.target() == null || m.sha256() == null) {
      throw new IllegalArgumentException("basebackup.json lacks id, target or sha256");
    }
    return m;
  }

  /**
   * Parses the manifest stored under {@code <target>.wal/base/<id>/} and checks it belongs there
   * and says what a restore needs: its id and target are the key's, a kind of {@code basebackup}, a
   * checksum, a system identifier, a WAL segment size, WAL ranges that run from its start to its
   * stop, and times not in the future. Anything else is an {@link IllegalArgumentException}, so one
   * bad object is named and skipped, never believed.
   */
  static Manifest read(byte[] json, String target, String id, Instant now) {
    Manifest m = read(json);
    if (!target.equals(m.target())) {
      throw new IllegalArgumentException(
          "basebackup.json says target '" + m.target() + "' but lies under '" + target + "'");
    }
    if (!id.equals(m.id()) || !BackupId.isValid(id)) {
      throw new IllegalArgumentException(
          "basebackup.json says id '" + m.id() + "' but lies under id '" + id + "'");
    }
    if (!Manifest.KIND.equals(m.kind())) {
      throw new IllegalArgumentException(
          "basebackup.json says kind '" + m.kind() + "', not " + Manifest.KIND);
    }
    if (!SHA256.matcher(m.sha256()).matches() || m.sizeBytes() < 0) {
      throw new IllegalArgumentException("basebackup.json has no valid sha256 or sizeBytes");
    }
    if (m.systemIdentifier() == null || !SYSTEM.matcher(m.systemIdentifier()).matches()) {
      throw new IllegalArgumentException(
          "basebackup.json has no system identifier ('" + m.systemIdentifier() + "')");
    }
    if (!WalFiles.isValidSegmentSize(m.walSegmentSize())) {
      throw new IllegalArgumentException(
          "basebackup.json has no valid walSegmentSize (" + m.walSegmentSize() + ")");
    }
    if (m.startedAt() == null || m.completedAt() == null) {
      throw new IllegalArgumentException("basebackup.json lacks startedAt or completedAt");
    }
    if (m.completedAt().isAfter(now.plus(Manifests.CLOCK_SKEW))) {
      throw new IllegalArgumentException(
          "basebackup.json says it completed at "
              + m.completedAt()
              + ", in the future (now "
              + now
              + ")");
    }
    if (m.startedAt().isAfter(m.completedAt())) {
      throw new IllegalArgumentException("basebackup.json says it started after it completed");
    }
    checkWal(m);
    return m;
  }

  // the ranges are the whole truth of which WAL it needs: start to stop, timelines in order
  private static void checkWal(Manifest m) {
    Lsn start;
    Lsn stop;
    try {
      start = m.start();
      stop = m.stop();
      Lsn.parse(m.checkpointLsn());
      if (m.walRanges() == null || m.walRanges().isEmpty()) {
        throw new IllegalArgumentException("no walRanges");
      }
      Lsn at = start;
      long timeline = m.timeline();
      for (int i = 0; i < m.walRanges().size(); i++) {
        Manifest.WalRange r = m.walRanges().get(i);
        if (!Lsn.parse(r.startLsn()).equals(at)
            || !Lsn.parse(r.endLsn()).isAfter(at)
            || (i == 0 ? r.timeline() != timeline : r.timeline() <= timeline)) {
          throw new IllegalArgumentException("walRanges do not follow one another");
        }
        at = Lsn.parse(r.endLsn());
        timeline = r.timeline();
      }
      if (!at.equals(stop) || timeline != m.stopTimeline()) {
        throw new IllegalArgumentException("walRanges do not end at its stop");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "basebackup.json does not say which WAL it needs: " + e.getMessage(), e);
    }
    if (!stop.isAfter(start)) {
      throw new IllegalArgumentException(
          "basebackup.json stops at " + stop + ", not after its start " + start);
    }
  }

  /**
   * Writes the signature, then the manifest (so its presence still means "the data is there"), to
   * {@code store}.
   */
  static void publish(BackupStore store, Manifest manifest, SigningKey signingKey) {
    byte[] json = write(manifest);
    String key = BaseBackupCatalog.manifestKey(manifest.target(), manifest.id());
    store.put(
        BaseBackupCatalog.signatureKey(manifest.target(), manifest.id()),
        ManifestSignatures.sign(signingKey, key, json));
    store.put(key, json);
  }

  /**
   * The trusted key that signed {@code json}, stored as {@code key}, with {@code signatureFile}
   * (the content of {@code basebackup.json.sig}); empty when none of {@code trusted} did or the
   * file is not a signature.
   */
  static Optional<TrustedKeys.Key> signedBy(
      TrustedKeys trusted, String key, byte[] json, byte[] signatureFile) {
    try {
      ManifestSignatures.SignatureFile file =
          Json.read(
              new String(signatureFile, java.nio.charset.StandardCharsets.UTF_8),
              ManifestSignatures.SignatureFile.class);
      if (file == null
          || !ManifestSignatures.FORMAT.equals(file.format())
          || !ManifestSignatures.ALGORITHM.equals(file.algorithm())
          || file.signature() == null) {
        return Optional.empty();
      }
      byte[] signature = Base64.getDecoder().decode(file.signature());
      return trusted.verify(ManifestSignatures.message(key, json), signature);
    } catch (RuntimeException e) {
      LOG.debug("{}.sig is not a signature: {}", key, e.toString());
      return Optional.empty();
    }
  }
}
