package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LsnTests {

  private static final long MB = 1024L * 1024;

  @Test
  void anLsnIsReadAndPrintedAsTheServerDoes() {
    Lsn lsn = Lsn.parse("0/5000028");
    assertThat(lsn.value()).isEqualTo(0x5000028L);
    assertThat(lsn).hasToString("0/5000028");
    assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16_B374D848L);
    assertThat(Lsn.parse("16/b374d848")).isEqualTo(Lsn.parse("16/B374D848"));
    assertThat(Lsn.parse("00000000/00000001")).hasToString("0/1");
    assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
    assertThat(Lsn.INVALID).hasToString("0/0");
  }

  @Test
  void everyPrintedLsnReadsBackTheSame() {
    Random random = new Random(21);
    for (int i = 0; i < 10_000; i++) {
      Lsn lsn = new Lsn(i % 3 == 0 ? random.nextLong() : random.nextLong() >>> random.nextInt(64));
      assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
      assertThat(Lsn.parse(lsn.toString().toLowerCase())).isEqualTo(lsn);
    }
  }

  @Test
  void onlyTwoHexNumbersOfAtMostEightDigitsAreAnLsn() {
    for (String bad :
        List.of(
            "",
            "0",
            "0/",
            "/0",
            "0/0/0",
            " 0/0",
            "0/0 ",
            "g/0",
            "123456789/0",
            "0/123456789",
            "-1/0",
            "+1/0",
            "0x1/0",
            "0/\u0663")) {
      assertThatThrownBy(() -> Lsn.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not an LSN");
    }
    assertThatThrownBy(() -> Lsn.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lsnsCompareAsUnsignedNumbers() {
    List<Lsn> sorted = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 1000; i++) {
      sorted.add(new Lsn(random.nextLong()));
    }
    sorted.sort(Comparator.naturalOrder());
    for (int i = 1; i < sorted.size(); i++) {
      Lsn a = sorted.get(i - 1);
      Lsn b = sorted.get(i);
      assertThat(Long.compareUnsigned(a.value(), b.value())).isLessThanOrEqualTo(0);
    }
    assertThat(Lsn.parse("FFFFFFFF/0")).isGreaterThan(Lsn.parse("7FFFFFFF/FFFFFFFF"));
    assertThat(Lsn.parse("1/0").isAfter(Lsn.parse("0/FFFFFFFF"))).isTrue();
    assertThat(Lsn.parse("0/1").isBefore(Lsn.parse("0/2"))).isTrue();
    assertThat(Lsn.max(Lsn.parse("0/1"), Lsn.parse("1/0"))).isEqualTo(Lsn.parse("1/0"));
  }

  @Test
  void bytesAreAddedAndMeasuredAsPgWalLsnDiffDoes() {
    Lsn a = Lsn.parse("0/FFFFFFF0");
    assertThat(a.plus(0x20)).hasToString("1/10");
    assertThat(a.plus(0x20).minus(a)).isEqualTo(0x20);
    assertThat(a.minus(a.plus(0x20))).isEqualTo(-0x20);
    assertThatThrownBy(() -> Lsn.parse("FFFFFFFF/FFFFFFF0").plus(0x10))
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> a.plus(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSegmentOfAPositionDependsOnTheSegmentSize() {
    Lsn lsn = Lsn.parse("0/5000028");
    assertThat(lsn.segmentNumber(16 * MB)).isEqualTo(5);
    assertThat(lsn.segmentNumber(MB)).isEqualTo(0x50);
    assertThat(lsn.offsetInSegment(16 * MB)).isEqualTo(0x28);
    assertThat(Lsn.parse("1/40000000").segmentNumber(1024 * MB)).isEqualTo(5);
    assertThat(Lsn.ofSegment(5, 16 * MB)).hasToString("0/5000000");
    assertThat(Lsn.ofSegment(0x100, 16 * MB)).hasToString("1/0");
  }

  @Test
  void aSegmentBoundaryBelongsToTheSegmentItStartsButEndsThePreviousOne() {
    for (long size : List.of(MB, 16 * MB)) {
      for (long n = 1; n < 5000; n += 37) {
        Lsn boundary = Lsn.ofSegment(n, size);
        assertThat(boundary.segmentNumber(size)).isEqualTo(n);
        assertThat(boundary.precedingSegmentNumber(size)).isEqualTo(n - 1);
        assertThat(boundary.plus(1).precedingSegmentNumber(size)).isEqualTo(n);
        assertThat(new Lsn(boundary.value() - 1).segmentNumber(size)).isEqualTo(n - 1);
      }
    }
    assertThatThrownBy(() -> Lsn.INVALID.precedingSegmentNumber(MB))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSegmentSizePostgresqlDoesNotAllowIsRefused() {
    for (long bad : List.of(0L, 512 * 1024L, 3 * MB, 2048 * MB, 16 * MB + 1)) {
      assertThatThrownBy(() -> Lsn.parse("0/5000028").segmentNumber(bad))
          .as("" + bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("power of two from 1MB to 1GB");
    }
  }
}
