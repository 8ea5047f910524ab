package dev.lifeboat.verify;

import dev.lifeboat.run.Request;

/**
 * A verify of {@code backup} ({@code latest} or an id) of {@code target}: every store, or only
 * {@code store}; {@code deep} also decrypts an encrypted backup (see {@link
 * dev.lifeboat.archive.BackupVerifier}); {@code allowUnsigned} reads a backup no trusted key
 * signed.
 */
public record VerifyRequest(
    String target, String backup, String store, boolean deep, boolean allowUnsigned)
    implements Request<Verify.Report> {

  /** What the {@code verify} schedule asks: the latest backup, in every store. */
  public static VerifyRequest scheduled(String target) {
    return new VerifyRequest(target, "latest", null, false, false);
  }
}
