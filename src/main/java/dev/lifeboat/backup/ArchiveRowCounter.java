package dev.lifeboat.backup;

import dev.lifeboat.pg.PgCatalog;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Counts the rows of every table in a pg_dump custom-format archive as its bytes stream past, so
 * the manifest's counts are exactly what was dumped without a second scan of the database.
 *
 * <p>Reads the header and table of contents as pg_dump writes them (pg_backup_archiver.c
 * WriteHead/WriteToc, archive versions 1.12 to 1.16: pg_dump 10 to 17), then follows the data
 * blocks (pg_backup_custom.c: a block type byte, the entry's dump id, length-prefixed chunks, a
 * zero length) and counts '\n' in each TABLE DATA block: uncompressed COPY text ends every row with
 * exactly one newline and escapes the newlines inside values; pg_dump's dumpTableData_copy then
 * ends the block with a "\." line and two empty ones, which are not rows. Anything it does not know
 * (another version, compressed data, a malformed byte) makes it give up: {@link #counts()} is then
 * empty and the caller counts the rows another way. It never changes or holds back the stream.
 */
final class ArchiveRowCounter {

  static final int MIN_MINOR = 12; // K_VERS_1_12
  static final int MAX_MINOR = 16; // K_VERS_1_16
  private static final int TOC_LIMIT = 64 << 20;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int BLK_DATA = 1;
  private static final int BLK_BLOBS = 3;
  // archprintf(fout, "\\.\n\n\n") after the rows: five bytes, three of them newlines
  private static final long TRAILER = 0x5C2E0A0A0AL;
  private static final long TRAILER_MASK = 0xFFFFFFFFFFL;
  private static final int TRAILER_NEWLINES = 3;

  private enum State {
    HEAD,
    BLOCK_TYPE,
    BLOCK_ID,
    DATA_LEN,
    DATA,
    LO_OID,
    LO_LEN,
    LO_DATA,
    FAILED
  }

  /** One TOC entry that has a data block. */
  private static final class Entry {
    final boolean tableData;
    final byte[] schema;
    final byte[] name;
    String key;
    boolean seen;
    long rows;

    Entry(boolean tableData, byte[] schema, byte[] name) {
      this.tableData = tableData;
      this.schema = schema;
      this.name = name;
    }
  }

  private State state = State.HEAD;
  private String failure;
  private byte[] head = new byte[16 * 1024];
  private int headLength;
  private int nextAttempt = 4 * 1024;
  private int intSize;
  private final Map<Integer, Entry> entries = new HashMap<>();

  // the int being read across chunk boundaries: bytes read so far (0 is the sign byte)
  private int intRead;
  private boolean intNegative;
  private long intValue;
  private boolean inLargeObjects;
  private long remaining;
  private Entry current;
  private long blockBytes;
  private long tail; // the last eight bytes of the current data block

  /** Feeds the next bytes of the archive, in order. Cheap; never throws. */
  void accept(byte[] bytes, int offset, int length) {
    if (state == State.FAILED || length <= 0) {
      return;
    }
    if (state != State.HEAD) {
      data(bytes, offset, offset + length);
      return;
    }
    if ((long) headLength + length > TOC_LIMIT) {
      fail("the table of contents is larger than " + (TOC_LIMIT >> 20) + " MiB");
      return;
    }
    if (headLength + length > head.length) {
      head = Arrays.copyOf(head, Math.max(head.length * 2, headLength + length));
    }
    System.arraycopy(bytes, offset, head, headLength, length);
    headLength += length;
    if (headLength >= nextAttempt) {
      readHead(false);
    }
  }

  /** True once it has given up; the reason is in {@link #failure()}. */
  boolean gaveUp() {
    return state == State.FAILED;
  }

  /** Why it gave up, or null. */
  String failure() {
    return failure;
  }

  /**
   * Call after the last byte, once pg_dump has exited well. The row count of every table the
   * archive carries data for, keyed {@link PgCatalog.Table#key()}; empty when it gave up.
   */
  Optional<Map<String, Long>> counts() {
    if (state == State.HEAD) {
      readHead(true);
    }
    if (state != State.BLOCK_TYPE && state != State.FAILED) {
      fail("the archive ended inside a data block");
    }
    if (state == State.FAILED) {
      return Optional.empty();
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Map.Entry<Integer, Entry> e : entries.entrySet()) {
      Entry entry = e.getValue();
      if (!entry.seen) {
        fail("the archive has no data block for TOC entry " + e.getKey());
        return Optional.empty();
      }
      if (entry.key != null) {
        counts.put(entry.key, entry.rows);
      }
    }
    return Optional.of(counts);
  }

  private void fail(String reason) {
    if (state != State.FAILED) {
      state = State.FAILED;
      failure = reason;
      head = null;
      current = null;
    }
  }

  // ---- header and table of contents

  /** Thrown when the buffered bytes end before the header and TOC do; no stack, no allocation. */
  private static final class NeedMore extends RuntimeException {
    static final NeedMore INSTANCE = new NeedMore();

    private NeedMore() {
      super(null, null, false, false);
    }
  }

  private static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  private void readHead(boolean atEnd) {
    Reader r = new Reader(head, headLength);
    try {
      readHeader(r);
      readToc(r);
    } catch (NeedMore e) {
      if (atEnd) {
        fail("the archive ended inside its table of contents");
      } else {
        // reading again from the start costs O(n) each time; doubling keeps the total O(n)
        nextAttempt = Math.max(headLength + 1, headLength * 2);
      }
      return;
    } catch (Unreadable e) {
      fail(e.getMessage());
      return;
    }
    byte[] rest = head;
    int from = r.pos;
    head = null;
    state = State.BLOCK_TYPE;
    data(rest, from, headLength);
  }

  private void readHeader(Reader r) throws Unreadable {
    byte[] magic = r.bytes(5);
    if (!"PGDMP".equals(new String(magic, StandardCharsets.US_ASCII))) {
      throw new Unreadable("the stream does not start with a custom-format archive header");
    }
    int major = r.u8();
    int minor = r.u8();
    int rev = r.u8();
    if (major != 1 || minor < MIN_MINOR || minor > MAX_MINOR) {
      throw new Unreadable(
          "archive version " + major + "." + minor + "." + rev + " is not one this reader knows");
    }
    r.minor = minor;
    intSize = r.u8();
    if (intSize != 4) {
      throw new Unreadable("the archive's integers are " + intSize + " bytes, not 4");
    }
    r.intSize = intSize;
    int offSize = r.u8();
    if (offSize < 1 || offSize > 8) {
      throw new Unreadable("the archive's offsets are " + offSize + " bytes");
    }
    r.offSize = offSize;
    int format = r.u8();
    if (format != 1) { // archCustom
      throw new Unreadable("the archive is format " + format + ", not custom");
    }
    // 1.15 (pg_dump 16) stores the algorithm as a byte; before, a zlib level as an int
    int compression = minor >= 15 ? r.u8() : r.readInt();
    if (compression != 0) {
      throw new Unreadable("the archive's data is compressed");
    }
    for (int i = 0; i < 7; i++) {
      r.readInt(); // creation time: sec, min, hour, mday, mon, year, isdst
    }
    r.skipStr(); // database name
    r.skipStr(); // server version
    r.skipStr(); // pg_dump version
  }

  private void readToc(Reader r) throws Unreadable {
    int count = r.readInt();
    if (count < 0) {
      throw new Unreadable("negative TOC entry count");
    }
    boolean utf8 = true;
    Map<Integer, Entry> read = new HashMap<>();
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (int i = 0; i < count; i++) {
      int dumpId = r.readInt();
      if (dumpId <= 0 || !ids.add(dumpId)) {
        throw new Unreadable("TOC entry id " + dumpId + " is out of range or repeated");
      }
      int hadDumper = r.readInt();
      r.skipStr(); // catalog id: tableoid (since 1.8)
      r.skipStr(); // catalog id: oid
      byte[] tag = r.str();
      byte[] desc = r.str();
      r.readInt(); // section (since 1.11)
      byte[] defn = null;
      boolean encodingEntry = desc != null && "ENCODING".equals(ascii(desc));
      if (encodingEntry) {
        defn = r.str();
      } else {
        r.skipStr(); // defn
      }
      r.skipStr(); // drop statement
      r.skipStr(); // copy statement (since 1.3)
      byte[] namespace = r.str(); // since 1.6
      r.skipStr(); // tablespace (since 1.10)
      if (r.minor >= 14) {
        r.skipStr(); // table access method
      }
      if (r.minor >= 16) {
        r.readInt(); // relkind
      }
      r.skipStr(); // owner
      r.skipStr(); // "false": WITH OIDS (since 1.9)
      while (r.str(true) != null) {
        // dependencies (since 1.5), ended by a null string
      }
      int dataState = r.u8(); // custom format's extra TOC data: an offset
      if (dataState < 1 || dataState > 3) {
        throw new Unreadable("unexpected data offset flag " + dataState);
      }
      r.skip(r.offSize);
      if (encodingEntry) {
        String set = defn == null ? "" : ascii(defn);
        utf8 = set.contains("'UTF8'") || set.contains("'SQL_ASCII'");
      }
      boolean tableData = desc != null && "TABLE DATA".equals(ascii(desc));
      if (hadDumper != 0 && dataState != 3) { // 3: K_OFFSET_NO_DATA
        read.put(dumpId, new Entry(tableData, namespace, tag));
      } else if (tableData) {
        throw new Unreadable("TABLE DATA entry " + dumpId + " has no data");
      }
    }
    for (Entry e : read.values()) {
      if (e.tableData) {
        String schema = name(e.schema, utf8);
        String table = name(e.name, utf8);
        e.key = schema == null || table == null ? null : new PgCatalog.Table(schema, table).key();
      }
    }
    entries.putAll(read);
  }

  /** A name as the database spells it; null when its encoding is not one we can decode safely. */
  private static String name(byte[] bytes, boolean utf8) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    for (byte b : bytes) {
      if (b < 0 && !utf8) {
        return null;
      }
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String ascii(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /** ReadInt, ReadStr and friends over the buffered head. */
  private static final class Reader {
    final byte[] buf;
    final int limit;
    int pos;
    int minor;
    int intSize = 4;
    int offSize;

    Reader(byte[] buf, int limit) {
      this.buf = buf;
      this.limit = limit;
    }

    int u8() {
      if (pos >= limit) {
        throw NeedMore.INSTANCE;
      }
      return buf[pos++] & 0xFF;
    }

    byte[] bytes(int n) {
      if (limit - pos < n) {
        throw NeedMore.INSTANCE;
      }
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    void skip(int n) {
      if (limit - pos < n) {
        throw NeedMore.INSTANCE;
      }
      pos += n;
    }

    /** A sign byte, then intSize bytes, least significant first. */
    int readInt() throws Unreadable {
      boolean negative = u8() != 0;
      long v = 0;
      for (int b = 0; b < intSize; b++) {
        v |= (long) u8() << (8 * b);
      }
      if (v > Integer.MAX_VALUE) {
        throw new Unreadable("integer out of range");
      }
      return (int) (negative ? -v : v);
    }

    byte[] str() throws Unreadable {
      return str(false);
    }

    /** A length, then that many bytes; a negative length is a null string. */
    byte[] str(boolean discard) throws Unreadable {
      int length = readInt();
      if (length < 0) {
        return null;
      }
      if (discard) {
        skip(length);
        return buf;
      }
      return bytes(length);
    }

    void skipStr() throws Unreadable {
      str(true);
    }
  }

  // ---- data blocks: the hot path, no allocation

  private void data(byte[] b, int i, int end) {
    while (i < end) {
      switch (state) {
        case BLOCK_TYPE -> {
          int type = b[i++];
          if (type == BLK_DATA) {
            inLargeObjects = false;
          } else if (type == BLK_BLOBS) {
            inLargeObjects = true;
          } else {
            fail("unknown data block type " + type);
            return;
          }
          startInt(State.BLOCK_ID);
        }
        case BLOCK_ID, DATA_LEN, LO_OID, LO_LEN -> {
          while (i < end && intRead <= intSize) {
            int v = b[i++] & 0xFF;
            if (intRead == 0) {
              intNegative = v != 0;
            } else {
              intValue |= (long) v << (8 * (intRead - 1));
            }
            intRead++;
          }
          if (intRead > intSize && !onInt(intNegative ? -intValue : intValue)) {
            return;
          }
        }
        case DATA -> {
          int n = (int) Math.min(remaining, end - i);
          Entry e = current;
          if (e.tableData) {
            e.rows += newlines(b, i, i + n);
          }
          for (int j = Math.max(i, i + n - 8); j < i + n; j++) {
            tail = (tail << 8) | (b[j] & 0xFF);
          }
          blockBytes += n;
          i += n;
          remaining -= n;
          if (remaining == 0) {
            startInt(State.DATA_LEN);
          }
        }
        case LO_DATA -> {
          int n = (int) Math.min(remaining, end - i);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            startInt(State.LO_LEN);
          }
        }
        default -> {
          return;
        }
      }
    }
  }

  /** The '\n' bytes in {@code b[from, to)}, eight bytes at a time. */
  static long newlines(byte[] b, int from, int to) {
    long n = 0;
    int j = from;
    for (; j + 8 <= to; j += 8) {
      long x = (long) LONGS.get(b, j) ^ 0x0A0A0A0A0A0A0A0AL; // a zero byte where '\n' was
      // high bit of each byte of t is 0 exactly where x's byte is 0; no carry crosses bytes
      long t = ((x & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | x;
      n += Long.bitCount(~t & 0x8080808080808080L);
    }
    for (; j < to; j++) {
      if (b[j] == '\n') {
        n++;
      }
    }
    return n;
  }

  private void startInt(State next) {
    state = next;
    intRead = 0;
    intNegative = false;
    intValue = 0;
  }

  /** Acts on a complete integer; false when it gave up. */
  private boolean onInt(long value) {
    switch (state) {
      case BLOCK_ID -> {
        Entry e = entries.get((int) value);
        if (e == null || e.seen || value <= 0 || value > Integer.MAX_VALUE) {
          fail("data block for unknown or repeated TOC entry " + value);
          return false;
        }
        e.seen = true;
        if (inLargeObjects) {
          startInt(State.LO_OID);
        } else {
          current = e;
          blockBytes = 0;
          tail = 0;
          startInt(State.DATA_LEN);
        }
      }
      case DATA_LEN -> {
        if (value < 0) {
          fail("negative data chunk length");
          return false;
        }
        if (value == 0) {
          return endOfBlock();
        }
        remaining = value;
        state = State.DATA;
      }
      case LO_OID -> {
        if (value == 0) {
          state = State.BLOCK_TYPE;
        } else {
          startInt(State.LO_LEN);
        }
      }
      case LO_LEN -> {
        if (value < 0) {
          fail("negative large object chunk length");
          return false;
        }
        if (value == 0) {
          startInt(State.LO_OID);
        } else {
          remaining = value;
          state = State.LO_DATA;
        }
      }
      default -> throw new IllegalStateException(state.name());
    }
    return true;
  }

  /**
   * A COPY block is whole rows, then the "\." line and two empty ones, which no row can be (COPY
   * writes a value "\." as "\\."); anything else and the count is not trusted.
   */
  private boolean endOfBlock() {
    if (current.tableData) {
      boolean trailer =
          blockBytes >= 5
              && (tail & TRAILER_MASK) == TRAILER
              && (blockBytes == 5 || ((tail >>> 40) & 0xFF) == '\n');
      if (!trailer) {
        fail("a TABLE DATA block does not end with COPY's \\. line");
        return false;
      }
      current.rows -= TRAILER_NEWLINES;
    }
    current = null;
    state = State.BLOCK_TYPE;
    return true;
  }
}
