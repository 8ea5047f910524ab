package dev.lifeboat.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Counts and SHA-256-hashes what passes through; closing it does not close what it feeds. */
final class DigestingOutputStream extends OutputStream {

  private final OutputStream out;
  private final MessageDigest digest;
  private volatile long count;

  DigestingOutputStream(OutputStream out) {
    this.out = out;
    this.digest = sha256();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    digest.update(b, off, len);
    out.write(b, off, len);
    count += len;
  }

  long count() {
    return count;
  }

  String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void close() {
    // the fan-out is finished or aborted explicitly by the caller
  }
}
