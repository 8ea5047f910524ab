package dev.lifeboat.pg;

/**
 * A write-ahead log position, PostgreSQL's {@code pg_lsn}: an unsigned 64-bit byte offset written
 * {@code 0/5000028} (high and low 32 bits in hex). Compared unsigned, as the server does.
 */
public record Lsn(long value) implements Comparable<Lsn> {

  /** {@code 0/0}: PostgreSQL's InvalidXLogRecPtr, never a real position. */
  public static final Lsn INVALID = new Lsn(0);

  private static final int MAX_DIGITS = 8; // MAXPG_LSNCOMPONENT in pg_lsn.c

  /**
   * Reads {@code X/Y} as {@code pg_lsn_in} does: each side 1 to 8 hex digits, either case, nothing
   * around them.
   */
  public static Lsn parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("an LSN must not be null");
    }
    int slash = text.indexOf('/');
    if (slash < 1
        || slash > MAX_DIGITS
        || text.length() - slash - 1 < 1
        || text.length() - slash - 1 > MAX_DIGITS
        || !isHex(text, 0, slash)
        || !isHex(text, slash + 1, text.length())) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an LSN; expected two hex numbers like 0/5000028");
    }
    long high = Long.parseLong(text.substring(0, slash), 16);
    long low = Long.parseLong(text.substring(slash + 1), 16);
    return new Lsn(high << 32 | low);
  }

  /** The first byte of segment {@code number} (XLogSegNoOffsetToRecPtr with offset 0). */
  public static Lsn ofSegment(long number, long segmentSize) {
    WalSegmentSize.require(segmentSize);
    if (number < 0 || number > Long.divideUnsigned(-1L, segmentSize)) {
      throw new IllegalArgumentException("segment number " + number + " is out of range");
    }
    return new Lsn(number * segmentSize);
  }

  /** The segment that holds this position (PostgreSQL's XLByteToSeg). */
  public long segmentNumber(long segmentSize) {
    return Long.divideUnsigned(value, WalSegmentSize.require(segmentSize));
  }

  /**
   * The segment that holds the byte just before this position (XLByteToPrevSeg): the last segment
   * that WAL ending here needs. A backup's stop LSN at a segment boundary needs no byte of the
   * segment starting there.
   */
  public long precedingSegmentNumber(long segmentSize) {
    if (value == 0) {
      throw new IllegalArgumentException("0/0 has no preceding byte");
    }
    return Long.divideUnsigned(value - 1, WalSegmentSize.require(segmentSize));
  }

  /** Bytes from the start of its segment (XLogSegmentOffset). */
  public long offsetInSegment(long segmentSize) {
    return value & (WalSegmentSize.require(segmentSize) - 1);
  }

  /** This position moved forward by {@code bytes}, refusing to wrap past FFFFFFFF/FFFFFFFF. */
  public Lsn plus(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot add " + bytes + " bytes to an LSN; use minus");
    }
    long sum = value + bytes;
    if (Long.compareUnsigned(sum, value) < 0) {
      throw new ArithmeticException(this + " + " + bytes + " is beyond the last LSN");
    }
    return new Lsn(sum);
  }

  /**
   * Bytes from {@code other} to this position, negative when {@code other} is later ({@code
   * pg_wal_lsn_diff}).
   */
  public long minus(Lsn other) {
    return Math.subtractExact(value, other.value);
  }

  public boolean isAfter(Lsn other) {
    return compareTo(other) > 0;
  }

  public boolean isBefore(Lsn other) {
    return compareTo(other) < 0;
  }

  public static Lsn max(Lsn a, Lsn b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  /** {@code %X/%X}, as the server prints it. */
  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
  }

  private static boolean isHex(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }
}
