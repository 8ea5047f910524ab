package dev.lifeboat.pg;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WAL segment size a cluster was initialised with ({@code initdb --wal-segsize}): a power of
 * two from 1 MB to 1 GB (IsValidWalSegSize in xlog_internal.h). Never assumed to be 16 MB.
 */
final class WalSegmentSize {

  static final long MIN = 1024L * 1024; // WalSegMinSize
  static final long MAX = 1024L * 1024 * 1024; // WalSegMaxSize

  // SHOW prints a byte GUC in the largest unit that divides it: 1MB, 16MB, 1GB
  private static final Pattern SHOWN = Pattern.compile("(\\d{1,10})\\s*(B|kB|MB|GB)?");

  private WalSegmentSize() {}

  static long require(long bytes) {
    if (bytes < MIN || bytes > MAX || Long.bitCount(bytes) != 1) {
      throw new IllegalArgumentException(
          "a WAL segment size of "
              + bytes
              + " bytes is not one PostgreSQL allows; it is a power of two from 1MB to 1GB");
    }
    return bytes;
  }

  /** Reads {@code SHOW wal_segment_size} ({@code 16MB}) or a plain byte count. */
  static long parse(String shown) {
    Matcher m = SHOWN.matcher(shown == null ? "" : shown.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + shown + "' is not a WAL segment size; expected a value like 16MB");
    }
    long unit =
        switch (m.group(2) == null ? "B" : m.group(2)) {
          case "kB" -> 1024L;
          case "MB" -> 1024L * 1024;
          case "GB" -> 1024L * 1024 * 1024;
          default -> 1L;
        };
    return require(Long.parseLong(m.group(1)) * unit);
  }

  /** Segments in one 4 GiB "logical log file" (XLogSegmentsPerXLogId): 256 at 16 MB. */
  static long perLogId(long segmentSize) {
    return 0x1_0000_0000L / require(segmentSize);
  }

  static String describe(long segmentSize) {
    return segmentSize >= MAX
        ? segmentSize / MAX + "GB"
        : String.format(Locale.ROOT, "%dMB", segmentSize / MIN);
  }
}
