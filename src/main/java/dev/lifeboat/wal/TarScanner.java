package dev.lifeboat.wal;

import dev.lifeboat.pg.Lsn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads pg_basebackup's tar as it passes on to {@code downstream}, without holding it (plan §4.2):
 * only {@code backup_label} (whole, it is a few hundred bytes) and the last 64 KiB of {@code
 * backup_manifest} (where its {@code WAL-Ranges} are) are kept. Headers are ustar (the names
 * pg_basebackup writes), with pax ({@code x}) and GNU long-name ({@code L}) headers understood, so
 * a tar from elsewhere cannot be misread. Bytes pass on unchanged; a header whose checksum does not
 * hold is an {@link IOException}: the output is not a tar.
 */
final class TarScanner extends OutputStream {

  static final String BACKUP_LABEL = "backup_label";
  static final String BACKUP_MANIFEST = "backup_manifest";
  static final String TABLESPACE_MAP = "tablespace_map";

  static final int LABEL_MAX = 64 * 1024;
  static final int MANIFEST_TAIL = 64 * 1024;

  private static final int BLOCK = 512;
  // pax and long-name headers are names and a few numbers: anything larger is not one
  private static final int EXTENDED_MAX = 1024 * 1024;

  private static final Pattern WAL_RANGE =
      Pattern.compile(
          "\\{\\s*\"Timeline\"\\s*:\\s*(\\d+)\\s*,\\s*\"Start-LSN\"\\s*:\\s*\"([0-9A-Fa-f]+/[0-9A-Fa-f]+)\""
              + "\\s*,\\s*\"End-LSN\"\\s*:\\s*\"([0-9A-Fa-f]+/[0-9A-Fa-f]+)\"\\s*}");

  private final OutputStream downstream;
  private final byte[] header = new byte[BLOCK];
  private int headerFill;
  private long offset; // of the tar, at the start of the current block or data
  private long remaining; // data bytes of the current member still to come
  private long padding; // zero bytes after the data, to the next block
  private Member member;
  private String nextName; // from a pax or long-name header, for the member that follows
  private long nextSize = -1;
  private boolean ended;
  private final ByteArrayOutputStream label = new ByteArrayOutputStream();
  private boolean labelTooLarge;
  private final byte[] manifestTail = new byte[MANIFEST_TAIL];
  private long manifestBytes;
  private boolean manifestSeen;
  private long tablespaceMapBytes;
  private long members;
  private String firstName;
  private String lastName;

  private enum Kind {
    LABEL,
    MANIFEST,
    TABLESPACE_MAP,
    PAX,
    LONG_NAME,
    OTHER
  }

  private record Member(String name, Kind kind, ByteArrayOutputStream extended) {}

  TarScanner(OutputStream downstream) {
    this.downstream = Objects.requireNonNull(downstream);
  }

  /** What {@code backup_label} says (plan §4.2): where the backup starts and what it is called. */
  record BackupLabel(
      Lsn startLsn,
      String startSegment,
      Lsn checkpointLsn,
      long startTimeline,
      String startTime,
      String label) {

    static BackupLabel parse(String text) {
      Map<String, String> fields = new java.util.HashMap<>();
      for (String line : text.split("\n")) {
        int colon = line.indexOf(": ");
        if (colon > 0) {
          fields.putIfAbsent(line.substring(0, colon), line.substring(colon + 2));
        }
      }
      String start = fields.get("START WAL LOCATION");
      String checkpoint = fields.get("CHECKPOINT LOCATION");
      if (start == null || checkpoint == null) {
        throw new IllegalArgumentException(
            "pg_basebackup's backup_label has no START WAL LOCATION or CHECKPOINT LOCATION");
      }
      Matcher m = Pattern.compile("(\\S+) \\(file ([0-9A-F]{24})\\)").matcher(start);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "pg_basebackup's backup_label has an unreadable START WAL LOCATION: " + start);
      }
      String timeline = fields.get("START TIMELINE");
      // only servers before 11 leave the timeline out: then it is the start segment's
      long tli =
          timeline != null
              ? Long.parseLong(timeline.strip())
              : Long.parseLong(m.group(2).substring(0, 8), 16);
      return new BackupLabel(
          Lsn.parse(m.group(1)),
          m.group(2),
          Lsn.parse(checkpoint.strip()),
          tli,
          fields.get("START TIME"),
          fields.get("LABEL"));
    }
  }

  /** One entry of the manifest's {@code WAL-Ranges}: the WAL a restore needs on one timeline. */
  record WalRange(long timeline, Lsn start, Lsn end) {}

  /**
   * What the scan found: the label, the manifest's WAL ranges (empty without a manifest), whether
   * there was a manifest, the size of {@code tablespace_map} (0 with only the default tablespaces),
   * and the tar's length.
   */
  record Scan(
      BackupLabel label,
      List<WalRange> walRanges,
      boolean hasManifest,
      long tablespaceMapBytes,
      long tarBytes) {

    /** The end of the WAL a restore of this copy needs: the latest End-LSN of the manifest. */
    WalRange stop() {
      return walRanges.stream()
          .max((a, b) -> a.end().compareTo(b.end()))
          .orElseThrow(() -> new IllegalStateException("no WAL-Ranges"));
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    scan(b, off, len);
    downstream.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    downstream.flush();
  }

  @Override
  public void close() throws IOException {
    downstream.close();
  }

  /** How many members (files, directories, links) went by. */
  long members() {
    return members;
  }

  /** The first member's name ({@code backup_label} from pg_basebackup), null before any. */
  String firstName() {
    return firstName;
  }

  /** The last member's name so far ({@code backup_manifest} at the end of pg_basebackup's tar). */
  String lastName() {
    return lastName;
  }

  /**
   * After the whole tar went through: what it says.
   *
   * @throws IllegalStateException naming what is missing: the end of the tar, {@code backup_label},
   *     {@code backup_manifest} or its WAL ranges
   */
  Scan finish() {
    if (!ended || remaining > 0 || padding > 0 || headerFill > 0) {
      throw new IllegalStateException(
          "pg_basebackup's tar ended early, at byte " + offset + " (no end-of-archive blocks)");
    }
    if (label.size() == 0 || labelTooLarge) {
      throw new IllegalStateException("pg_basebackup's tar has no backup_label");
    }
    BackupLabel parsed;
    try {
      parsed = BackupLabel.parse(label.toString(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    List<WalRange> ranges = manifestSeen ? walRanges() : List.of();
    if (manifestSeen && ranges.isEmpty()) {
      throw new IllegalStateException("pg_basebackup's backup_manifest has no WAL-Ranges");
    }
    return new Scan(parsed, ranges, manifestSeen, tablespaceMapBytes, offset);
  }

  /**
   * As {@link #finish()}, and a copy without {@code backup_manifest} is an error: without it the
   * end of the WAL a restore needs is unknown.
   */
  Scan finishWithManifest() {
    Scan scan = finish();
    if (!scan.hasManifest()) {
      throw new IllegalStateException(
          "pg_basebackup's output has no backup_manifest; is the server older than 13?");
    }
    return scan;
  }

  private List<WalRange> walRanges() {
    String text = manifestTailText();
    int at = text.lastIndexOf("\"WAL-Ranges\"");
    if (at < 0) {
      return List.of();
    }
    List<WalRange> ranges = new ArrayList<>();
    Matcher m = WAL_RANGE.matcher(text.substring(at));
    while (m.find()) {
      ranges.add(
          new WalRange(Long.parseLong(m.group(1)), Lsn.parse(m.group(2)), Lsn.parse(m.group(3))));
    }
    return List.copyOf(ranges);
  }

  private String manifestTailText() {
    int n = (int) Math.min(manifestBytes, MANIFEST_TAIL);
    byte[] out = new byte[n];
    int start = (int) ((manifestBytes - n) % MANIFEST_TAIL);
    for (int i = 0; i < n; i++) {
      out[i] = manifestTail[(start + i) % MANIFEST_TAIL];
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private void scan(byte[] b, int off, int len) throws IOException {
    int i = off;
    int end = off + len;
    while (i < end) {
      if (ended) {
        offset += end - i; // the zero blocks after the end, up to the record size
        return;
      }
      if (remaining > 0) {
        int n = (int) Math.min(remaining, end - i);
        data(b, i, n);
        remaining -= n;
        offset += n;
        i += n;
        if (remaining == 0) {
          memberDone();
        }
      } else if (padding > 0) {
        int n = (int) Math.min(padding, end - i);
        padding -= n;
        offset += n;
        i += n;
      } else {
        int n = Math.min(BLOCK - headerFill, end - i);
        System.arraycopy(b, i, header, headerFill, n);
        headerFill += n;
        i += n;
        if (headerFill == BLOCK) {
          headerFill = 0;
          header();
          offset += BLOCK;
        }
      }
    }
  }

  private void header() throws IOException {
    if (allZero(header)) {
      // one zero block ends the archive for GNU tar too; the second is padding
      ended = true;
      return;
    }
    checkChecksum();
    char type = (char) header[156];
    long size = number(124, 12);
    String name = ustarName();
    if (type == 'g') {
      member = new Member(name, Kind.OTHER, null); // global pax defaults: nothing we read
    } else if (type == 'x' || type == 'L') {
      if (size > EXTENDED_MAX) {
        throw new IOException(
            "tar header at byte " + offset + " announces a " + size + "-byte extended header");
      }
      Kind kind = type == 'L' ? Kind.LONG_NAME : Kind.PAX;
      member = new Member(name, kind, new ByteArrayOutputStream((int) size));
    } else {
      // a pax or long-name header before this one says its real name and size
      if (nextName != null) {
        name = nextName;
      }
      if (nextSize >= 0) {
        size = nextSize;
      }
      nextName = null;
      nextSize = -1;
      String plain = name.startsWith("./") ? name.substring(2) : name;
      if (members == 0) {
        firstName = plain;
      }
      lastName = plain;
      members++;
      boolean file = type == '0' || type == '\0' || type == '7';
      Kind kind =
          !file
              ? Kind.OTHER
              : switch (plain) {
                case BACKUP_LABEL -> Kind.LABEL;
                case BACKUP_MANIFEST -> Kind.MANIFEST;
                case TABLESPACE_MAP -> Kind.TABLESPACE_MAP;
                default -> Kind.OTHER;
              };
      if (kind == Kind.MANIFEST) {
        manifestSeen = true;
        manifestBytes = 0;
      }
      if (kind == Kind.LABEL) {
        label.reset();
        labelTooLarge = size > LABEL_MAX;
      }
      if (kind == Kind.TABLESPACE_MAP) {
        tablespaceMapBytes = size;
      }
      member = new Member(plain, kind, null);
      // directories, links and devices carry no data whatever their size field says
      if (!file) {
        size = 0;
      }
    }
    remaining = size;
    padding = (BLOCK - size % BLOCK) % BLOCK;
    if (size == 0) {
      memberDone();
    }
  }

  private void data(byte[] b, int off, int n) {
    switch (member.kind()) {
      case LABEL -> {
        if (!labelTooLarge) {
          label.write(b, off, n);
        }
      }
      case MANIFEST -> {
        for (int k = 0; k < n; k++) {
          manifestTail[(int) (manifestBytes % MANIFEST_TAIL)] = b[off + k];
          manifestBytes++;
        }
      }
      case PAX, LONG_NAME -> member.extended().write(b, off, n);
      default -> {}
    }
  }

  private void memberDone() throws IOException {
    Member m = member;
    member = null;
    if (m == null || m.extended() == null) {
      return;
    }
    String text = m.extended().toString(StandardCharsets.UTF_8);
    if (m.kind() == Kind.LONG_NAME) {
      int nul = text.indexOf('\0');
      nextName = nul >= 0 ? text.substring(0, nul) : text;
      return;
    }
    // pax records: "<length> <key>=<value>\n"
    int i = 0;
    while (i < text.length()) {
      int space = text.indexOf(' ', i);
      if (space < 0) {
        break;
      }
      int length;
      try {
        length = Integer.parseInt(text.substring(i, space));
      } catch (NumberFormatException e) {
        throw new IOException("tar pax header before byte " + offset + " is malformed", e);
      }
      if (length <= 0 || i + length > text.length()) {
        throw new IOException("tar pax header before byte " + offset + " is malformed");
      }
      String record = text.substring(space + 1, i + length - 1);
      int eq = record.indexOf('=');
      if (eq > 0) {
        String key = record.substring(0, eq);
        String value = record.substring(eq + 1);
        if (key.equals("path")) {
          nextName = value;
        } else if (key.equals("size")) {
          nextSize = Long.parseLong(value);
        }
      }
      i += length;
    }
  }

  private String ustarName() {
    String name = string(0, 100);
    boolean ustar = string(257, 6).startsWith("ustar");
    String prefix = ustar ? string(345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private String string(int from, int length) {
    int end = from;
    while (end < from + length && header[end] != 0) {
      end++;
    }
    return new String(header, from, end - from, StandardCharsets.UTF_8);
  }

  // octal, NUL- or space-terminated; or base-256 when the first byte's high bit is set (GNU)
  private long number(int from, int length) throws IOException {
    if ((header[from] & 0x80) != 0) {
      long v = header[from] & 0x7f;
      for (int k = from + 1; k < from + length; k++) {
        v = (v << 8) | (header[k] & 0xff);
      }
      return v;
    }
    String text = string(from, length).strip();
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text, 8);
    } catch (NumberFormatException e) {
      throw new IOException(
          "not a tar: the header at byte " + offset + " has a size of '" + text + "'", e);
    }
  }

  private void checkChecksum() throws IOException {
    long stored = number(148, 8);
    long sum = 0;
    for (int k = 0; k < BLOCK; k++) {
      sum += (k >= 148 && k < 156) ? ' ' : (header[k] & 0xff);
    }
    if (sum != stored) {
      throw new IOException(
          "not a tar: the header at byte " + offset + " fails its checksum (pg_basebackup -Ft?)");
    }
  }

  private static boolean allZero(byte[] block) {
    for (byte x : block) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
