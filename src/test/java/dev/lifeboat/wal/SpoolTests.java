package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.WalFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTests {

  static final int SEGMENT = 1 << 20;
  static final String SYSTEM = "7716579398738843286";
  static final int SEALED = 1000;

  @TempDir Path dir;
  Path stream;
  Path sealed;

  @BeforeEach
  void directories() throws IOException {
    stream = Files.createDirectory(dir.resolve("stream"));
    sealed = Files.createDirectory(dir.resolve("sealed"));
  }

  /** A sealed object of segment {@code number} as the Sealer leaves it: {@code SEALED} bytes. */
  static Sealer.Sealed seal(Path sealed, long number, long seed) throws Exception {
    byte[] bytes = new byte[SEALED];
    new Random(seed).nextBytes(bytes);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    WalFiles.Segment segment = new WalFiles.Segment(1, number, SEGMENT);
    String key = WalArchive.segmentKey("app", SYSTEM, segment, sha, false);
    Path file = Files.write(sealed.resolve(key.substring(key.lastIndexOf('/') + 1)), bytes);
    return new Sealer.Sealed(segment.name(), key, SEALED, sha, false, file);
  }

  private Spool spool(long max) throws IOException {
    return new Spool("app", SYSTEM, SEGMENT, stream, sealed, max, List.of("a", "b"));
  }

  private List<String> sealedFiles() throws IOException {
    try (var files = Files.list(sealed)) {
      return files
          .map(p -> p.getFileName().toString())
          .map(n -> n.length() > 24 ? n.substring(0, 24) : n)
          .sorted()
          .toList();
    }
  }

  @Test
  void aSealedFileGoesOnlyOnceEveryStoreCommittedIt() throws Exception {
    Spool spool = spool(1 << 30);
    Sealer.Sealed five = seal(sealed, 5, 5);
    spool.add(five);
    assertThat(spool.bytes()).isEqualTo(SEALED);

    spool.committed("a", five.key());
    assertThat(five.file()).exists();
    assertThat(spool.segment(5)).get().extracting(Spool.Item::inSpool).isEqualTo(true);

    spool.committed("b", five.key());
    assertThat(five.file()).doesNotExist();
    assertThat(spool.segment(5)).isEmpty();
    assertThat(spool.bytes()).isZero();
  }

  @Test
  void overItsBoundItLetsGoOfTheOldestObjectsAStoreHoldsAndOnlyAsManyAsNeeded() throws Exception {
    Spool spool = spool(4 * SEALED);
    List<Sealer.Sealed> s = List.of(seal(sealed, 3, 3), seal(sealed, 4, 4), seal(sealed, 5, 5));
    s.forEach(spool::add);
    // store a holds 3 and 4, b holds nothing: b will copy them from a
    spool.committed("a", s.get(0).key());
    spool.committed("a", s.get(1).key());

    Spool.Room room = spool.makeRoom(2 * SEALED);

    assertThat(room.full()).isFalse();
    assertThat(room.evicted()).containsExactly(s.get(0).key());
    assertThat(sealedFiles()).containsExactly(s.get(1).source(), s.get(2).source());
    assertThat(spool.bytes()).isEqualTo(2 * SEALED);
    // the spool still knows the key b must copy from a, and forgets it once b has it
    assertThat(spool.segment(3)).get().extracting(Spool.Item::inSpool).isEqualTo(false);
    assertThat(spool.oldestSegment()).hasValue(3);
    spool.committed("b", s.get(0).key());
    assertThat(spool.segment(3)).isEmpty();
    assertThat(spool.bytes()).isEqualTo(2 * SEALED);
  }

  @Test
  void whenNoStoreHoldsWhatIsLeftItIsFullAndDeletesNothing() throws Exception {
    Spool spool = spool(3 * SEALED);
    List<Sealer.Sealed> s = List.of(seal(sealed, 3, 3), seal(sealed, 4, 4));
    s.forEach(spool::add);
    // pg_receivewal's partial counts too
    Files.write(stream.resolve("000000010000000000000005.partial"), new byte[SEALED]);
    assertThat(spool.bytes()).isEqualTo(3 * SEALED);

    Spool.Room room = spool.makeRoom(SEALED);

    assertThat(room.full()).isTrue();
    assertThat(room.evicted()).isEmpty();
    assertThat(spool.full()).isTrue();
    assertThat(sealedFiles()).containsExactly(s.get(0).source(), s.get(1).source());
    assertThat(spool.hasRoomToResume()).isFalse();

    // a store takes segment 3 again: it can go, and there is room
    spool.committed("b", s.get(0).key());
    room = spool.makeRoom(SEALED);
    assertThat(room.full()).isFalse();
    assertThat(room.evicted()).containsExactly(s.get(0).key());
    assertThat(spool.full()).isFalse();
    assertThat(sealedFiles()).containsExactly(s.get(1).source());
    assertThat(spool.segment(3)).get().extracting(Spool.Item::inSpool).isEqualTo(false);
  }

  @Test
  void aRestartedSpoolCountsWhatAPreviousRunSealedAndSkipsUnfinishedSeals() throws Exception {
    Sealer.Sealed seven = seal(sealed, 7, 7);
    Sealer.Sealed six = seal(sealed, 6, 6);
    Files.write(sealed.resolve(Sealer.TEMPORARY + "123"), new byte[500]);

    Spool spool = spool(1 << 30);

    assertThat(spool.bytes()).isEqualTo(2 * SEALED);
    assertThat(spool.items()).extracting(Spool.Item::key).containsExactly(six.key(), seven.key());
    assertThat(spool.newestSegment()).hasValue(7);
    assertThat(spool.segment(6).orElseThrow().entry().sha256()).isEqualTo(six.sha256());
    spool.committed("a", six.key());
    spool.committed("b", six.key());
    assertThat(sealedFiles()).containsExactly(".sealing-123", seven.source());
  }
}
