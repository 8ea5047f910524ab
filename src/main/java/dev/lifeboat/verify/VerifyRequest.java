package dev.lifeboat.verify;

import dev.lifeboat.run.Request;

/**
 * A verify of {@code backup} ({@code latest} or an id) of {@code target}: every store, or only
 * {@code store}; {@code deep} also decrypts an encrypted backup (see {@link
 * dev.lifeboat.archive.BackupVerifier}); {@code allowUnsigned} reads a backup no trusted key
 * signed. {@code wal}: checks the target's WAL archive instead of a backup ({@code backup} is then
 * null): every stored WAL object read back against the SHA-256 in its key, the chain's runs, gaps
 * and recoverable windows per store.
 */
public record VerifyRequest(
    String target, String backup, String store, boolean deep, boolean allowUnsigned, boolean wal)
    implements Request<Verify.Report> {

  /** A verify of a backup, not of the WAL archive. */
  public VerifyRequest(
      String target, String backup, String store, boolean deep, boolean allowUnsigned) {
    this(target, backup, store, deep, allowUnsigned, false);
  }

  /** What the {@code verify} schedule asks: the latest backup, in every store. */
  public static VerifyRequest scheduled(String target) {
    return new VerifyRequest(target, "latest", null, false, false);
  }

  /** What {@code verify --wal} asks: the WAL archive, in every store or only {@code store}. */
  public static VerifyRequest wal(String target, String store) {
    return new VerifyRequest(target, null, store, false, false, true);
  }
}
