package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialLengthTests {

  static final int SEGMENT = 1 << 20;

  @TempDir Path dir;

  /** A zero-filled segment whose first {@code pages} pages start with {@code magic}, then noise. */
  private Path partial(int pages, int magic, Random random) throws IOException {
    byte[] segment = new byte[SEGMENT];
    for (int p = 0; p < pages; p++) {
      int at = p * PartialLength.PAGE;
      segment[at] = (byte) magic;
      segment[at + 1] = (byte) (magic >>> 8);
      // the rest of a written page is WAL: anything, zeros included; the last one may be torn
      int filled = p == pages - 1 ? random.nextInt(PartialLength.PAGE - 2) : PartialLength.PAGE - 2;
      for (int i = 2; i < 2 + filled; i++) {
        segment[at + i] = (byte) random.nextInt(256);
      }
    }
    Path file = Files.createTempFile(dir, "segment", ".partial");
    Files.write(file, segment);
    return file;
  }

  @Test
  void aFreshPartialHasNothingWritten() throws IOException {
    assertThat(PartialLength.of(partial(0, 0xD110, new Random(1)))).isZero();
    Path empty = Files.createTempFile(dir, "empty", ".partial");
    assertThat(PartialLength.of(empty)).isZero();
  }

  @Test
  void theWrittenLengthIsTheEndOfTheLastWrittenPageForEveryLength() throws IOException {
    Random random = new Random(4711);
    int pagesPerSegment = SEGMENT / PartialLength.PAGE;
    for (int pages = 1; pages <= pagesPerSegment; pages += 1 + random.nextInt(9)) {
      assertThat(PartialLength.of(partial(pages, 0xD110, random)))
          .as("%d pages written", pages)
          .isEqualTo((long) pages * PartialLength.PAGE);
    }
    assertThat(PartialLength.of(partial(pagesPerSegment, 0xD110, random))).isEqualTo(SEGMENT);
  }

  @Test
  void anyServersMagicWorksSinceTheFirstPageNamesIt() throws IOException {
    // PostgreSQL changes the page magic with each major version (0xD110 is 15's, 0xD113 16's)
    Random random = new Random(7);
    assertThat(PartialLength.of(partial(17, 0xD113, random))).isEqualTo(17L * PartialLength.PAGE);
    assertThat(PartialLength.of(partial(3, 0xD106, random))).isEqualTo(3L * PartialLength.PAGE);
  }
}
