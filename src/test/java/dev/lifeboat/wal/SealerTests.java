package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.store.StoredObject;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class SealerTests {

  static final int SEGMENT = 1 << 20;
  static final String SYSTEM = "7716579398738843286";
  static final KeyPair KEY = pair();
  static final String SECRET = KEY.getPrivate().toString();
  static final String RECIPIENT = KEY.getPublic().toString();

  @TempDir Path dir;
  Path stream;
  Path spool;

  static KeyPair pair() {
    try {
      return new X25519KeyPairGenerator().generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void directories() throws IOException {
    stream = Files.createDirectory(dir.resolve("stream"));
    spool = Files.createDirectory(dir.resolve("sealed"));
  }

  private static LifeboatProperties.Wal wal(int level) {
    return new LifeboatProperties.Wal(
        true, null, Duration.ofSeconds(10), DataSize.ofGigabytes(2), level, true, Duration.ZERO);
  }

  private Sealer sealer(List<String> recipients) {
    return new Sealer("app", SYSTEM, SEGMENT, wal(3), recipients, spool);
  }

  /** WAL-like bytes: half noise, half zeros (compressible, as real WAL is). */
  private Path source(String name, int length, long seed) throws IOException {
    byte[] bytes = new byte[length];
    Random random = new Random(seed);
    for (int i = 0; i < length; i += 2048) {
      byte[] noise = new byte[1024];
      random.nextBytes(noise);
      System.arraycopy(noise, 0, bytes, i, Math.min(1024, length - i));
    }
    return Files.write(stream.resolve(name), bytes);
  }

  private static byte[] open(Path sealed, boolean encrypted) throws Exception {
    InputStream in = Files.newInputStream(sealed);
    if (encrypted) {
      in = Age.decrypting(in, Identities.load("k", List.of(SECRET), i -> "${KEY}"));
    }
    try (InputStream zstd = new ZstdInputStream(in)) {
      return zstd.readAllBytes();
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static WalArchive.Entry parsed(Sealer.Sealed sealed) {
    return WalArchive.entry(
            "app", SEGMENT, new StoredObject(sealed.key(), sealed.storedBytes(), Instant.EPOCH))
        .orElseThrow(() -> new AssertionError(sealed.key() + " does not parse"));
  }

  private List<String> spoolFiles() throws IOException {
    try (var files = Files.list(spool)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void anEncryptedSegmentOpensWithTheIdentityBackToItsExactBytesUnderAKeyThatSaysSo()
      throws Exception {
    Path source = source("00000001000000000000002A", SEGMENT, 1);
    Sealer.Sealed sealed = sealer(List.of(RECIPIENT)).seal(source);

    byte[] stored = Files.readAllBytes(sealed.file());
    assertThat(Age.isAge(stored)).isTrue();
    assertThat(open(sealed.file(), true)).isEqualTo(Files.readAllBytes(source));
    assertThat(sealed.storedBytes()).isEqualTo(stored.length).isLessThan(SEGMENT);
    assertThat(sealed.sha256()).isEqualTo(sha256(stored));
    assertThat(sealed.encrypted()).isTrue();
    assertThat(sealed.source()).isEqualTo("00000001000000000000002A");
    assertThat(sealed.key())
        .isEqualTo(
            "app.wal/"
                + SYSTEM
                + "/0000000100000000/00000001000000000000002A-"
                + sealed.sha256()
                + ".zst.age");
    assertThat(sealed.file().getFileName().toString())
        .isEqualTo(sealed.key().substring(sealed.key().lastIndexOf('/') + 1));
    assertThat(spoolFiles()).containsExactly(sealed.file().getFileName().toString());

    WalArchive.Entry entry = parsed(sealed);
    assertThat(entry.kind()).isEqualTo(WalArchive.Kind.SEGMENT);
    assertThat(entry.segment().name()).isEqualTo("00000001000000000000002A");
    assertThat(entry.systemIdentifier()).isEqualTo(SYSTEM);
    assertThat(entry.sha256()).isEqualTo(sealed.sha256());
    assertThat(entry.encrypted()).isTrue();
    assertThat(entry.validBytes()).isEqualTo(SEGMENT);
    // the source is read, never changed or removed: deleting it is the caller's step
    assertThat(source).exists();
  }

  @Test
  void withoutRecipientsASegmentIsPlainZstd() throws Exception {
    Path source = source("000000020000000100000FFF", SEGMENT, 2);
    Sealer.Sealed sealed = sealer(List.of()).seal(source);

    byte[] stored = Files.readAllBytes(sealed.file());
    assertThat(Age.isAge(stored)).isFalse();
    // the zstd frame magic, 0xFD2FB528 little-endian
    assertThat(Arrays.copyOf(stored, 4))
        .isEqualTo(new byte[] {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD});
    assertThat(open(sealed.file(), false)).isEqualTo(Files.readAllBytes(source));
    assertThat(sealed.sha256()).isEqualTo(sha256(stored));
    assertThat(sealed.key())
        .isEqualTo(
            "app.wal/"
                + SYSTEM
                + "/0000000200000001/000000020000000100000FFF-"
                + sealed.sha256()
                + ".zst");
    WalArchive.Entry entry = parsed(sealed);
    assertThat(entry.encrypted()).isFalse();
    assertThat(entry.segment().name()).isEqualTo("000000020000000100000FFF");
    assertThat(entry.sha256()).isEqualTo(sealed.sha256());
  }

  @Test
  void aHistoryFileIsSealedWhole() throws Exception {
    Path source =
        Files.writeString(
            stream.resolve("00000002.history"),
            "1\t0/3000000\tno recovery target specified\n",
            StandardCharsets.US_ASCII);
    Sealer.Sealed sealed = sealer(List.of(RECIPIENT)).seal(source);

    assertThat(open(sealed.file(), true)).isEqualTo(Files.readAllBytes(source));
    WalArchive.Entry entry = parsed(sealed);
    assertThat(entry.kind()).isEqualTo(WalArchive.Kind.HISTORY);
    assertThat(entry.timeline()).isEqualTo(2);
    assertThat(entry.sha256()).isEqualTo(sealed.sha256());
  }

  @Test
  void aPartialSealsOnlyItsValidBytes() throws Exception {
    // pg_receivewal's partial: written pages (each starting with the page magic), then zeros
    byte[] segment = new byte[SEGMENT];
    Random random = new Random(3);
    for (int p = 0; p < 5; p++) {
      int at = p * PartialLength.PAGE;
      segment[at] = (byte) 0x10;
      segment[at + 1] = (byte) 0xD1;
      for (int i = 2; i < PartialLength.PAGE; i++) {
        segment[at + i] = (byte) random.nextInt(256);
      }
    }
    Path source = Files.write(stream.resolve("000000010000000000000003.partial"), segment);
    long valid = PartialLength.of(source);
    assertThat(valid).isEqualTo(5L * PartialLength.PAGE);

    Sealer.Sealed sealed = sealer(List.of(RECIPIENT)).sealPartial(source, valid);

    assertThat(open(sealed.file(), true)).isEqualTo(Arrays.copyOf(segment, (int) valid));
    assertThat(sealed.key()).contains("000000010000000000000003.partial-0000A000-");
    WalArchive.Entry entry = parsed(sealed);
    assertThat(entry.kind()).isEqualTo(WalArchive.Kind.PARTIAL);
    assertThat(entry.validBytes()).isEqualTo(valid);
    assertThat(entry.segment().name()).isEqualTo("000000010000000000000003");
    assertThat(entry.sha256()).isEqualTo(sealed.sha256());
  }

  @Test
  void aSourceThatDisappearsMidwayLeavesNothingInTheSpool() throws Exception {
    Path source = source("000000010000000000000004", SEGMENT, 4);
    // the stream file is removed (a re-seed, an operator) after the first 300 KB were read
    Sealer.Opener vanishing =
        file ->
            new FilterInputStream(Files.newInputStream(file)) {
              long read;

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                if (read > 300_000) {
                  Files.deleteIfExists(file);
                  throw new NoSuchFileException(file.toString());
                }
                int n = super.read(b, off, len);
                read += Math.max(n, 0);
                return n;
              }
            };
    Sealer sealer = new Sealer("app", SYSTEM, SEGMENT, 3, List.of(RECIPIENT), spool, vanishing);

    assertThatThrownBy(() -> sealer.seal(source))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("000000010000000000000004");
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void aSourceShorterThanItClaimsLeavesNothingInTheSpool() throws Exception {
    // a partial said to hold more than is there (truncated under us): an error, not a short WAL
    Path source = source("000000010000000000000005.partial", 64 * 1024, 5);
    assertThatThrownBy(() -> sealer(List.of()).sealPartial(source, 128 * 1024))
        .hasMessageContaining("ended after 65536 of 131072 bytes; not sealed");
    assertThat(spoolFiles()).isEmpty();
    assertThat(source).exists();
  }

  @Test
  void anIncompleteSegmentIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path source = source("000000010000000000000006", SEGMENT / 2, 6);
    assertThatThrownBy(() -> sealer(List.of()).seal(source))
        .hasMessageContaining("has 524288 bytes, not the segment size 1048576");
    assertThat(spoolFiles()).isEmpty();
  }
}
