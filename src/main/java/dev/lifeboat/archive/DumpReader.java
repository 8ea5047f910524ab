package dev.lifeboat.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.archive.BackupVerifier.StoreCheck;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Identities;
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
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one store's copy of a dump the one way both {@code verify} and {@code restore} need:
 * SHA-256 and size of the stored object against the manifest, decompressed on the fly into a
 * pg_dump archive that goes to {@code sink} (nowhere for verify, the spool file for restore).
 */
final class DumpReader {

  private static final Logger LOG = LoggerFactory.getLogger(DumpReader.class);

  /** Read ahead of decompression: 8 chunks of 1 MiB at most. */
  static final int READ_AHEAD_CHUNK = 1 << 20;

  static final int READ_AHEAD_CHUNKS = 8;

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
    return read(store, expected, sink, bytesRead, null);
  }

  /**
   * Like {@link #read(BackupStore, Manifest, OutputStream, LongConsumer)}; an encrypted copy is
   * decrypted with {@code identities}, or, when they are null, only its SHA-256 and size are
   * checked (nothing reaches the sink).
   */
  public static StoreCheck read(
      BackupStore store,
      Manifest expected,
      OutputStream sink,
      LongConsumer bytesRead,
      Identities identities) {
    MessageDigest sha = sha256();
    long[] size = {0};
    String archiveProblem = null;
    OutputStream out = new Guard(sink);
    try (InputStream raw = store.open(Manifest.dumpKey(expected.target(), expected.id()));
        // download and SHA-256 on a thread of their own, overlapping decompression and the sink
        InputStream counted =
            new ReadAhead(
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
                },
                READ_AHEAD_CHUNK,
                READ_AHEAD_CHUNKS,
                "read-" + store.name())) {
      if (expected.encrypted() && identities == null) {
        byte[] start = counted.readNBytes(Age.HEADER_LINE.length());
        if (!Age.isAge(start)) {
          archiveProblem = "the manifest says it is age-encrypted but it has no age header";
        }
        counted.transferTo(OutputStream.nullOutputStream());
        archiveProblem = archiveProblem == null ? "" : archiveProblem;
      }
      InputStream payload = counted;
      if (expected.encrypted() && identities != null) {
        try {
          payload = Age.decrypting(counted, identities);
        } catch (Age.NoMatchingIdentity | IOException e) {
          archiveProblem =
              e instanceof Age.NoMatchingIdentity
                  ? "none of the identities opens it"
                  : "it does not decrypt: " + e.getMessage();
          counted.transferTo(OutputStream.nullOutputStream());
          payload = null;
        }
      }
      ZstdInputStream zstd = archiveProblem != null ? null : new ZstdInputStream(payload);
      try {
        if (zstd == null) {
          throw new Skip();
        }
        zstd.setContinuous(false);
        byte[] header = zstd.readNBytes(5);
        if (!"PGDMP".equals(new String(header, StandardCharsets.US_ASCII))) {
          archiveProblem = "it does not decompress into a pg_dump custom-format archive";
        }
        out.write(header);
        zstd.transferTo(out);
        counted.transferTo(OutputStream.nullOutputStream()); // the hash covers the whole object
      } catch (Skip e) {
        // already read to the end: encrypted and not opened, or not openable
      } catch (SinkFailed e) {
        throw e;
      } catch (IOException e) {
        archiveProblem =
            (expected.encrypted()
                    ? "it does not decrypt and decompress: "
                    : "it does not decompress: ")
                + e.getMessage();
        counted.transferTo(OutputStream.nullOutputStream()); // the hash covers the whole object
      } finally {
        if (zstd != null) {
          zstd.close();
        }
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
    if (archiveProblem != null && !archiveProblem.isEmpty()) {
      return new StoreCheck(store.name(), "corrupt", archiveProblem);
    }
    if (archiveProblem != null) {
      return new StoreCheck(
          store.name(),
          "ok",
          "SHA-256 and size match, "
              + size[0]
              + " bytes (age-encrypted; contents checked only by verify --deep with an identity)");
    }
    return new StoreCheck(
        store.name(),
        "ok",
        "SHA-256 and size match, "
            + size[0]
            + " bytes"
            + (expected.encrypted() ? " (decrypted and decompressed)" : ""));
  }

  private static final class Skip extends IOException {
    Skip() {
      super(null, null);
    }
  }

  /**
   * Proves before anything is touched that {@code identities} open an encrypted backup: reads the
   * age header of the first store that answers. Refuses (exit 2) naming the backup's recipients and
   * the identity sources tried, never an identity. Does nothing for an unencrypted backup.
   */
  public static void requireIdentity(
      List<BackupStore> stores, Manifest manifest, Identities identities, String identitiesKey) {
    if (!manifest.encrypted()) {
      return;
    }
    String head =
        "backup "
            + manifest.id()
            + " is encrypted with age to "
            + String.join(", ", manifest.recipients());
    if (identities == null || identities.isEmpty()) {
      throw new ConfigException(
          identitiesKey,
          head
              + "; no identity is configured (tried: none); set "
              + identitiesKey
              + " to a file holding the age identity (secret key) of one of these recipients, or to a"
              + " ${VARIABLE} holding it; nothing was touched");
    }
    for (BackupStore store : stores) {
      try (InputStream in = store.open(Manifest.dumpKey(manifest.target(), manifest.id()))) {
        Age.decrypting(in, identities).close();
        return;
      } catch (Age.NoMatchingIdentity e) {
        throw new ConfigException(
            identitiesKey,
            head
                + "; none of the identities tried opens it (tried: "
                + String.join(", ", identities.describe())
                + "); add the identity of one of these recipients; nothing was touched");
      } catch (IOException | RuntimeException e) {
        // this store does not answer or holds a damaged copy: try the next one
        LOG.debug(
            "store '{}' could not check the identities for backup {}: {}",
            store.name(),
            manifest.id(),
            e.getMessage());
      }
    }
    // no store answered: the fetch that follows reports each store as it always does
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
