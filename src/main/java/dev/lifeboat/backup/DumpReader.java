package dev.lifeboat.backup;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.backup.BackupVerifier.StoreCheck;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * Reads one store's copy of a dump the one way both {@code verify} and {@code restore} need:
 * SHA-256 and size of the stored object against the manifest, decompressed on the fly into a
 * pg_dump archive that goes to {@code sink} (nowhere for verify, the spool file for restore).
 */
public final class DumpReader {

  private DumpReader() {}

  /** Writing to the sink failed: a local problem (disk full), not the store's. */
  public static final class SinkFailed extends UncheckedIOException {
    SinkFailed(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Reads the copy in {@code store}; {@code bytesRead} hears every stored byte as it arrives.
   * Returns {@code ok}, {@code missing}, {@code unreachable} or {@code corrupt}; only a failing
   * sink throws ({@link SinkFailed}).
   */
  public static StoreCheck read(
      BackupStore store, Manifest expected, OutputStream sink, LongConsumer bytesRead) {
    MessageDigest sha = DigestingOutputStream.sha256();
    long[] size = {0};
    String archiveProblem = null;
    OutputStream out = new Guard(sink);
    try (InputStream raw = store.open(Manifest.dumpKey(expected.target(), expected.id()));
        InputStream counted =
            new FilterInputStream(new DigestInputStream(raw, sha)) {
              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                  size[0] += n;
                  bytesRead.accept(n);
                }
                return n;
              }
            }) {
      ZstdInputStream zstd = new ZstdInputStream(counted);
      try {
        zstd.setContinuous(false);
        byte[] header = zstd.readNBytes(5);
        if (!"PGDMP".equals(new String(header, StandardCharsets.US_ASCII))) {
          archiveProblem = "it does not decompress into a pg_dump custom-format archive";
        }
        out.write(header);
        zstd.transferTo(out);
      } catch (SinkFailed e) {
        throw e;
      } catch (IOException e) {
        archiveProblem = "it does not decompress: " + e.getMessage();
        counted.transferTo(OutputStream.nullOutputStream()); // the hash covers the whole object
      } finally {
        zstd.close();
      }
    } catch (SinkFailed e) {
      throw e;
    } catch (StoreException e) {
      String status = e.kind() == StoreException.Kind.NOT_FOUND ? "missing" : "unreachable";
      return new StoreCheck(store.name(), status, e.getMessage());
    } catch (IOException | RuntimeException e) {
      return new StoreCheck(store.name(), "unreachable", "reading failed: " + e.getMessage());
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(expected.sha256()) || size[0] != expected.sizeBytes()) {
      return new StoreCheck(
          store.name(),
          "corrupt",
          "SHA-256 "
              + actual
              + " and size "
              + size[0]
              + " do not match the manifest ("
              + expected.sha256()
              + ", "
              + expected.sizeBytes()
              + " bytes)");
    }
    if (archiveProblem != null) {
      return new StoreCheck(store.name(), "corrupt", archiveProblem);
    }
    return new StoreCheck(store.name(), "ok", "SHA-256 and size match, " + size[0] + " bytes");
  }

  /** Marks failures of the sink so they are not taken for the store's. */
  private static final class Guard extends FilterOutputStream {
    Guard(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new SinkFailed(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new SinkFailed(e);
      }
    }
  }
}
