package dev.lifeboat.wal;

import com.github.luben.zstd.ZstdOutputStream;
import dev.lifeboat.base.DigestingOutputStream;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals a WAL file from pg_receivewal's directory once into the spool (plan §3.1): zstd, then age
 * to the target's recipients when it has any, then the SHA-256 of the stored bytes, the dump's
 * chain exactly (compressed before encryption, the hash over what is stored, so verify needs no
 * secret). The sealed file is written to a temporary name, fsynced, renamed to the base name of its
 * key and the directory fsynced: the spool holds whole sealed files or nothing, also after a crash.
 * Streams: a segment is never held in memory.
 */
final class Sealer {

  private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);

  /** Temporary files in the spool start with this; whoever lists the spool skips them. */
  static final String TEMPORARY = ".sealing-";

  private static final int BUFFER = 256 * 1024;

  private final String target;
  private final String systemIdentifier;
  private final long segmentSize;
  private final int compressionLevel;
  private final List<String> recipients;
  private final Path spool;
  private final Opener opener;

  /** How a source file is read; a seam for the test of a source that vanishes while read. */
  interface Opener {
    InputStream open(Path file) throws IOException;
  }

  /**
   * What was sealed: {@code source} the stream file's name, {@code key} the object's key in every
   * store, {@code storedBytes} and {@code sha256} of the sealed (stored) bytes, {@code file} the
   * sealed file in the spool.
   */
  record Sealed(
      String source, String key, long storedBytes, String sha256, boolean encrypted, Path file) {}

  /**
   * @param recipients the target's age public keys ({@code crypto/Keys.forTarget}); empty: plain
   *     zstd
   */
  Sealer(
      String target,
      String systemIdentifier,
      long segmentSize,
      LifeboatProperties.Wal wal,
      List<String> recipients,
      Path spool) {
    this(
        target,
        systemIdentifier,
        segmentSize,
        wal.compressionLevel(),
        recipients,
        spool,
        Files::newInputStream);
  }

  Sealer(
      String target,
      String systemIdentifier,
      long segmentSize,
      int compressionLevel,
      List<String> recipients,
      Path spool,
      Opener opener) {
    // fail now on a bad target or system identifier, not at the first segment
    WalArchive.systemRoot(target, systemIdentifier);
    if (!WalFiles.isValidSegmentSize(segmentSize)) {
      throw new IllegalArgumentException(segmentSize + " bytes is not a WAL segment size");
    }
    this.target = target;
    this.systemIdentifier = systemIdentifier;
    this.segmentSize = segmentSize;
    this.compressionLevel = compressionLevel;
    this.recipients = List.copyOf(recipients);
    this.spool = Objects.requireNonNull(spool);
    this.opener = Objects.requireNonNull(opener);
  }

  /** Seals a completed segment (all of its segment size) or a timeline history file. */
  Sealed seal(Path file) throws IOException {
    String name = file.getFileName().toString();
    var segment = WalFiles.parseSegment(name, segmentSize);
    if (segment.isPresent()) {
      long size = Files.size(file);
      if (size != segmentSize) {
        throw new IOException(
            "WAL segment "
                + file
                + " has "
                + size
                + " bytes, not the segment size "
                + segmentSize
                + "; it is not complete and was not sealed");
      }
      return seal(
          file,
          segmentSize,
          sha -> WalArchive.segmentKey(target, systemIdentifier, segment.get(), sha, encrypted()));
    }
    OptionalLong timeline = WalFiles.parseHistoryFileName(name);
    if (timeline.isPresent()) {
      return seal(
          file,
          Files.size(file),
          sha ->
              WalArchive.historyKey(
                  target, systemIdentifier, timeline.getAsLong(), sha, encrypted()));
    }
    throw new IllegalArgumentException(
        file + " is neither a completed WAL segment nor a timeline history file");
  }

  /**
   * Seals the first {@code validBytes} of a {@code .partial} ({@link PartialLength} says how many
   * pg_receivewal has written; the zeros after them are not stored).
   */
  Sealed sealPartial(Path file, long validBytes) throws IOException {
    WalFiles.Segment segment = partialSegment(file, validBytes);
    return seal(
        file,
        validBytes,
        sha ->
            WalArchive.partialKey(target, systemIdentifier, segment, validBytes, sha, encrypted()));
  }

  /** The segment of the {@code .partial} {@code file}, refused before a byte of it is read. */
  private WalFiles.Segment partialSegment(Path file, long validBytes) {
    WalFiles.Segment segment =
        WalFiles.parsePartial(file.getFileName().toString(), segmentSize)
            .orElseThrow(() -> new IllegalArgumentException(file + " is not a .partial segment"));
    // checked before a byte is read: the key would refuse it only at the end
    WalArchive.partialKey(target, systemIdentifier, segment, validBytes, "0".repeat(64), false);
    return segment;
  }

  private boolean encrypted() {
    return !recipients.isEmpty();
  }

  private interface KeyOf {
    String key(String sha256);
  }

  private Sealed seal(Path file, long length, KeyOf keyOf) throws IOException {
    Path temp = Files.createTempFile(spool, TEMPORARY, "");
    boolean done = false;
    try {
      DigestingOutputStream digest;
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        digest = sealInto(Channels.newOutputStream(channel), file, length);
        // closing zstd finished age's last chunk and flushed it, but left the file open for this
        channel.force(true);
      }
      String sha256 = digest.sha256Hex();
      String key = keyOf.key(sha256);
      Path sealed = spool.resolve(key.substring(key.lastIndexOf('/') + 1));
      Files.move(temp, sealed, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
      forceDirectory(spool);
      return new Sealed(
          file.getFileName().toString(), key, digest.count(), sha256, encrypted(), sealed);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.warn("could not remove the unfinished sealed file {}: {}", temp, e.toString());
        }
      }
    }
  }

  /**
   * The chain: zstd, age when there are recipients, SHA-256 and count of what reaches {@code out}.
   */
  private DigestingOutputStream sealInto(OutputStream out, Path file, long length)
      throws IOException {
    DigestingOutputStream digest = new DigestingOutputStream(out);
    try (InputStream in = opener.open(file);
        OutputStream zstd = new ZstdOutputStream(Age.wrap(digest, recipients), compressionLevel)) {
      copy(in, zstd, length, file);
    }
    return digest;
  }

  /**
   * A partial segment sealed in memory (plan §3.3): the first {@code validBytes} of {@code segment}
   * as stored under {@code key} ({@code bytes}, whose SHA-256 is {@code sha256}). Never changed
   * once made: every lane uploads the same bytes.
   */
  record Partial(
      WalFiles.Segment segment, long validBytes, String key, String sha256, byte[] bytes) {

    /** The first byte after the WAL it holds. */
    Lsn end() {
      return segment.start().plus(validBytes);
    }
  }

  /**
   * Seals the first {@code validBytes} of a {@code .partial} into memory, through the same chain as
   * a segment: a partial is at most a segment, compressed usually far less, and is replaced by the
   * next one within seconds, so it never touches the spool.
   */
  Partial sealPartialInMemory(Path file, long validBytes) throws IOException {
    WalFiles.Segment segment = partialSegment(file, validBytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DigestingOutputStream digest = sealInto(out, file, validBytes);
    String sha256 = digest.sha256Hex();
    return new Partial(
        segment,
        validBytes,
        WalArchive.partialKey(target, systemIdentifier, segment, validBytes, sha256, encrypted()),
        sha256,
        out.toByteArray());
  }

  /**
   * Copies exactly {@code length} bytes: a source that ends sooner is an error, not a short WAL.
   */
  private static void copy(InputStream in, OutputStream out, long length, Path file)
      throws IOException {
    byte[] buffer = new byte[BUFFER];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException(
            file + " ended after " + (length - left) + " of " + length + " bytes; not sealed");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
