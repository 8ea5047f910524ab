package dev.lifeboat.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The names PostgreSQL gives WAL files (xlog_internal.h): a segment is {@code
 * TTTTTTTTXXXXXXXXYYYYYYYY} (timeline, then the segment number split into the 4 GiB "log" and the
 * segment within it, all upper-case hex), a segment in progress adds {@code .partial}, and a
 * timeline's history is {@code TTTTTTTT.history}. The split depends on the segment size, so every
 * conversion takes it.
 */
public final class WalFiles {

  private static final long MAX_TIMELINE = 0xFFFF_FFFFL;
  private static final String PARTIAL = ".partial";
  private static final String HISTORY = ".history";

  private WalFiles() {}

  /** Reads {@code SHOW wal_segment_size} ({@code 16MB}, {@code 1GB}) into bytes, checked. */
  public static long segmentSize(String shown) {
    return WalSegmentSize.parse(shown);
  }

  /** Whether PostgreSQL allows this segment size: a power of two from 1 MB to 1 GB. */
  public static boolean isValidSegmentSize(long bytes) {
    return bytes >= WalSegmentSize.MIN && bytes <= WalSegmentSize.MAX && Long.bitCount(bytes) == 1;
  }

  /** The segment of {@code timeline} that holds {@code lsn}. */
  public static Segment segmentOf(long timeline, Lsn lsn, long segmentSize) {
    return new Segment(timeline, lsn.segmentNumber(segmentSize), segmentSize);
  }

  /**
   * A completed segment's file name, or empty when {@code name} is not one for this segment size
   * (also when its segment part is beyond what the size allows: 256 segments per log at 16 MB).
   */
  public static Optional<Segment> parseSegment(String name, long segmentSize) {
    WalSegmentSize.require(segmentSize);
    if (name == null || name.length() != 24 || !isUpperHex(name)) {
      return Optional.empty();
    }
    long timeline = Long.parseLong(name.substring(0, 8), 16);
    long log = Long.parseLong(name.substring(8, 16), 16);
    long seg = Long.parseLong(name.substring(16), 16);
    long perLog = WalSegmentSize.perLogId(segmentSize);
    if (timeline < 1 || seg >= perLog) {
      return Optional.empty();
    }
    return Optional.of(new Segment(timeline, log * perLog + seg, segmentSize));
  }

  /** A segment-in-progress's file name ({@code <segment>.partial}), or empty. */
  public static Optional<Segment> parsePartial(String name, long segmentSize) {
    if (name == null || !name.endsWith(PARTIAL)) {
      return Optional.empty();
    }
    return parseSegment(name.substring(0, name.length() - PARTIAL.length()), segmentSize);
  }

  /** {@code 00000002.history} for timeline 2 (TLHistoryFileName). */
  public static String historyFileName(long timeline) {
    return hex8(requireTimeline(timeline)) + HISTORY;
  }

  /** The timeline of a history file's name, or empty when {@code name} is not one. */
  public static OptionalLong parseHistoryFileName(String name) {
    if (name == null
        || name.length() != 8 + HISTORY.length()
        || !name.endsWith(HISTORY)
        || !isUpperHex(name.substring(0, 8))) {
      return OptionalLong.empty();
    }
    long timeline = Long.parseLong(name.substring(0, 8), 16);
    return timeline < 1 ? OptionalLong.empty() : OptionalLong.of(timeline);
  }

  static String hex8(long value) {
    return String.format(Locale.ROOT, "%08X", value);
  }

  static long requireTimeline(long timeline) {
    if (timeline < 1 || timeline > MAX_TIMELINE) {
      throw new IllegalArgumentException(
          "timeline " + timeline + " is out of range; timelines run from 1 to FFFFFFFF");
    }
    return timeline;
  }

  private static boolean isUpperHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  /**
   * One WAL segment: its timeline, its number (LSN / size, XLByteToSeg) and the segment size the
   * cluster uses. Ordered by number, then timeline: the order in which they are written.
   */
  public record Segment(long timeline, long number, long size) implements Comparable<Segment> {

    public Segment {
      requireTimeline(timeline);
      WalSegmentSize.require(size);
      if (number < 0 || number > Long.divideUnsigned(-1L, size)) {
        throw new IllegalArgumentException(
            "segment number " + number + " is out of range for " + WalSegmentSize.describe(size));
      }
    }

    /** The file name, {@code 000000010000000000000005} (XLogFileName). */
    public String name() {
      long perLog = WalSegmentSize.perLogId(size);
      return hex8(timeline) + hex8(number / perLog) + hex8(number % perLog);
    }

    /** {@code <name>.partial}: how pg_receivewal names the segment it is writing. */
    public String partialName() {
      return name() + PARTIAL;
    }

    /** The 4 GiB "log" the segment is in: the second eight hex digits of its name. */
    public long log() {
      return number / WalSegmentSize.perLogId(size);
    }

    /** Its first byte. */
    public Lsn start() {
      return Lsn.ofSegment(number, size);
    }

    /** The first byte after it (the next segment's start). */
    public Lsn end() {
      return start().plus(size);
    }

    public boolean contains(Lsn lsn) {
      return lsn.segmentNumber(size) == number;
    }

    public Segment next() {
      return new Segment(timeline, number + 1, size);
    }

    public Segment previous() {
      return new Segment(timeline, number - 1, size);
    }

    /** The segment with the same number on another timeline. */
    public Segment onTimeline(long other) {
      return new Segment(other, number, size);
    }

    @Override
    public int compareTo(Segment other) {
      int c = Long.compare(number, other.number);
      if (c == 0) {
        c = Long.compare(timeline, other.timeline);
      }
      return c != 0 ? c : Long.compare(size, other.size);
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /**
   * A parsed timeline history file: the ancestors of {@code timeline}, oldest first, each with the
   * LSN where the next timeline branched off it. Timeline 1 has no file: its history is empty.
   */
  public record History(long timeline, List<Switch> switches) {

    /** {@code parent} ended at {@code at}, where its child on the way to this timeline began. */
    public record Switch(long parent, Lsn at, String reason) {}

    public History {
      requireTimeline(timeline);
      switches = List.copyOf(switches);
    }

    /** The history of a timeline that never switched (timeline 1). */
    public static History of(long timeline) {
      return new History(timeline, List.of());
    }

    /** Parses the content of {@code TTTTTTTT.history}, comments and the reason column included. */
    public static History parse(long timeline, String text) {
      return new History(timeline, HistoryFileFormat.parse(requireTimeline(timeline), text));
    }

    /** Parses a history file by its name ({@code 00000003.history}) and content. */
    public static History parse(String fileName, String text) {
      OptionalLong timeline = parseHistoryFileName(fileName);
      if (timeline.isEmpty()) {
        throw new IllegalArgumentException(
            "'" + fileName + "' is not a timeline history file name like 00000002.history");
      }
      return parse(timeline.getAsLong(), text);
    }

    public String fileName() {
      return historyFileName(timeline);
    }

    /** The file's text as PostgreSQL writes it. */
    public String text() {
      return HistoryFileFormat.format(switches);
    }

    /** Every timeline on the way here, oldest first, ending with this one. */
    public List<Long> timelines() {
      List<Long> all = new ArrayList<>();
      switches.forEach(s -> all.add(s.parent()));
      all.add(timeline);
      return all;
    }

    /** Where {@code tl} begins on the way here: 0/0 for the oldest; empty when not on the way. */
    public Optional<Lsn> begin(long tl) {
      List<Long> all = timelines();
      int i = all.indexOf(tl);
      if (i < 0) {
        return Optional.empty();
      }
      return Optional.of(i == 0 ? Lsn.INVALID : switches.get(i - 1).at());
    }

    /** Where {@code tl} ended on the way here; empty for this timeline (open) or one not on it. */
    public Optional<Lsn> end(long tl) {
      return switches.stream().filter(s -> s.parent() == tl).map(Switch::at).findFirst();
    }

    /**
     * The timeline whose WAL holds {@code lsn} on the way here (tliOfPointInHistory): a switch
     * point itself already belongs to the child.
     */
    public long timelineAt(Lsn lsn) {
      for (Switch s : switches) {
        if (lsn.isBefore(s.at())) {
          return s.parent();
        }
      }
      return timeline;
    }

    /**
     * The timeline whose file of segment {@code number} recovery reads on the way here: the newest
     * one that began in or before that segment (XLogFileReadAnyTLI). The segment holding a switch
     * point is read from the child, whose copy holds the parent's WAL up to the switch.
     */
    public long timelineOfSegment(long number, long segmentSize) {
      long found = switches.isEmpty() ? timeline : switches.get(0).parent();
      for (int i = 0; i < switches.size(); i++) {
        long child = i + 1 < switches.size() ? switches.get(i + 1).parent() : timeline;
        if (switches.get(i).at().segmentNumber(segmentSize) <= number) {
          found = child;
        }
      }
      return found;
    }
  }
}
