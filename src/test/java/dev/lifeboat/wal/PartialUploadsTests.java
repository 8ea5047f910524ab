package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Identities;
import dev.lifeboat.pg.WalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialUploadsTests {

  static final int SEGMENT = SpoolTests.SEGMENT;
  static final String SYSTEM = SpoolTests.SYSTEM;
  static final String NAME = "000000010000000000000004";

  @TempDir Path dir;
  Path stream;
  Path sealed;
  StoreLaneTests.Flaky a;
  StoreLaneTests.Flaky b;
  Spool spool;
  List<StoreLane> lanes;
  final byte[] wal = new byte[SEGMENT];

  @BeforeEach
  void setUp() throws IOException {
    stream = Files.createDirectory(dir.resolve("stream"));
    sealed = Files.createDirectory(dir.resolve("sealed"));
    a = new StoreLaneTests.Flaky("a", dir.resolve("a"));
    b = new StoreLaneTests.Flaky("b", dir.resolve("b"));
    spool = new Spool("app", SYSTEM, SEGMENT, stream, sealed, 1L << 30, List.of("a", "b"));
    lanes =
        StoreLane.forStores(
            "app",
            SYSTEM,
            SEGMENT,
            List.of(a, b),
            spool,
            new WalFiles.Segment(1, 4, SEGMENT),
            new StoreLaneTests.SettableClock(),
            d -> {});
    // pg_receivewal's file: the full segment size, zeros until it writes pages
    Files.write(stream.resolve(NAME + ".partial"), wal);
  }

  /**
   * pg_receivewal writes pages {@code from} to {@code to} (exclusive), each starting with 0xD110.
   */
  private void write(int from, int to) throws IOException {
    Random random = new Random(from);
    for (int p = from; p < to; p++) {
      int at = p * PartialLength.PAGE;
      wal[at] = (byte) 0x10;
      wal[at + 1] = (byte) 0xD1;
      for (int i = 2; i < PartialLength.PAGE; i++) {
        wal[at + i] = (byte) random.nextInt(256);
      }
    }
    Files.write(stream.resolve(NAME + ".partial"), wal);
  }

  private PartialUploads uploads(List<String> recipients) {
    Sealer sealer =
        new Sealer("app", SYSTEM, SEGMENT, 3, recipients, sealed, Files::newInputStream);
    return new PartialUploads("app", SEGMENT, stream, sealer, spool, lanes);
  }

  private void stepAll() {
    for (StoreLane lane : lanes) {
      while (lane.step() == StoreLane.Step.WORKED) {
        // until idle
      }
    }
  }

  private static List<WalArchive.Entry> partials(StoreLaneTests.Flaky store) {
    return store.entries().stream().filter(e -> e.kind() == WalArchive.Kind.PARTIAL).toList();
  }

  private byte[] open(StoreLaneTests.Flaky store, String key, boolean encrypted) throws Exception {
    InputStream in = store.real.open(key);
    if (encrypted) {
      in = Age.decrypting(in, Identities.load("k", List.of(SealerTests.SECRET), i -> "${KEY}"));
    }
    try (InputStream zstd = new ZstdInputStream(in)) {
      return zstd.readAllBytes();
    }
  }

  @Test
  void whenThePartialGrewItsWrittenPagesReachEveryStoreEncryptedAndOnlyOnce() throws Exception {
    PartialUploads uploads = uploads(List.of(SealerTests.RECIPIENT));
    write(0, 3);

    Sealer.Partial first = uploads.tick().orElseThrow();
    stepAll();

    assertThat(first.validBytes()).isEqualTo(3L * PartialLength.PAGE);
    assertThat(first.key()).contains(NAME + ".partial-00006000-").endsWith(".zst.age");
    for (StoreLaneTests.Flaky store : List.of(a, b)) {
      assertThat(partials(store)).extracting(WalArchive.Entry::key).containsExactly(first.key());
      assertThat(open(store, first.key(), true))
          .isEqualTo(Arrays.copyOf(wal, 3 * PartialLength.PAGE));
    }
    // nothing written since: nothing sealed, nothing offered
    assertThat(uploads.tick()).isEmpty();

    write(3, 10);
    Sealer.Partial second = uploads.tick().orElseThrow();
    stepAll();

    assertThat(second.validBytes()).isEqualTo(10L * PartialLength.PAGE);
    for (StoreLaneTests.Flaky store : List.of(a, b)) {
      // the longer one replaced the shorter one
      assertThat(partials(store)).extracting(WalArchive.Entry::key).containsExactly(second.key());
      assertThat(open(store, second.key(), true))
          .isEqualTo(Arrays.copyOf(wal, 10 * PartialLength.PAGE));
    }
    assertThat(StoreLane.durableEnd(lanes)).hasValue(second.end());
    assertThat(uploads.last()).hasValue(second);
  }

  @Test
  void aFreshSeedWithNothingWrittenIsNotUploaded() throws Exception {
    PartialUploads uploads = uploads(List.of());
    assertThat(uploads.tick()).isEmpty();
    stepAll();
    assertThat(partials(a)).isEmpty();
  }

  @Test
  void oncePgReceivewalCompletedTheSegmentItsPartialIsNotSealedAgain() throws Exception {
    PartialUploads uploads = uploads(List.of());
    write(0, 2);
    assertThat(uploads.flush()).isPresent();
    stepAll();
    assertThat(partials(a)).hasSize(1);

    // pg_receivewal wrote more and completed the segment: the whole segment is on its way
    write(2, 5);
    Files.copy(stream.resolve(NAME + ".partial"), stream.resolve(NAME));
    assertThat(uploads.tick()).isEmpty();

    // also once the Sealer took it into the spool and the stream file went
    Files.delete(stream.resolve(NAME));
    Sealer.Sealed whole = SpoolTests.seal(sealed, 4, 4);
    spool.add(whole);
    assertThat(uploads.tick()).isEmpty();

    stepAll();
    for (StoreLaneTests.Flaky store : List.of(a, b)) {
      assertThat(store.commits).last().isEqualTo(whole.key());
      assertThat(partials(store)).isEmpty(); // the lane deleted the 2-page partial it had put
    }
  }

  @Test
  void aPlainPartialIsZstdOfTheWrittenPagesOnly() throws Exception {
    PartialUploads uploads = uploads(List.of());
    write(0, 1);
    Sealer.Partial p = uploads.tick().orElseThrow();
    stepAll();
    assertThat(p.key()).endsWith(".zst");
    assertThat(open(a, p.key(), false)).isEqualTo(Arrays.copyOf(wal, PartialLength.PAGE));
  }
}
