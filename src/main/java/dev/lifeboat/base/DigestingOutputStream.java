package dev.lifeboat.base;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts and SHA-256-hashes what passes through: the stored bytes of a dump or a WAL segment.
 * Closing it flushes what it feeds but leaves it open: a fan-out is finished or aborted by its
 * caller, a file is fsynced by its.
 */
public final class DigestingOutputStream extends OutputStream {

  private final OutputStream out;
  private final MessageDigest digest;
  private volatile long count;

  public DigestingOutputStream(OutputStream out) {
    this.out = out;
    this.digest = sha256();
  }

  private static MessageDigest sha256() {
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

  public long count() {
    return count;
  }

  public String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.flush();
  }
}
