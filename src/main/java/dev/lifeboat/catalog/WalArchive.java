package dev.lifeboat.catalog;

import dev.lifeboat.base.Word;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a store holds of a target's WAL, read from its keys alone. The archive is {@code
 * <target>.wal/} beside the dump folder {@code <target>/}, so listing dumps never lists WAL:
 *
 * <pre>
 * &lt;target&gt;.wal/&lt;sysid&gt;/history/&lt;TLI&gt;.history-&lt;sha256&gt;.zst[.age]
 * &lt;target&gt;.wal/&lt;sysid&gt;/&lt;TLI&gt;&lt;LOG&gt;/&lt;segment&gt;-&lt;sha256&gt;.zst[.age]
 * &lt;target&gt;.wal/&lt;sysid&gt;/&lt;TLI&gt;&lt;LOG&gt;/&lt;segment&gt;.partial-&lt;valid bytes, 8 hex&gt;-&lt;sha256&gt;.zst[.age]
 * </pre>
 *
 * <p>Objects are immutable and content-addressed (the SHA-256 of the stored bytes, lower-case hex):
 * two receivers writing the same segment can never overwrite or shorten each other, and a listing
 * alone gives every segment, its checksum and its format. One folder per timeline and 4 GiB of WAL
 * keeps each listing to about one page.
 */
public final class WalArchive {

  /** How a store names the WAL archive of {@code <target>}: a sibling of its dump folder. */
  public static final String SUFFIX = ".wal/";

  private static final String HISTORY_FOLDER = "history";
  private static final String ZSTD = ".zst";
  private static final String AGE = ".age";
  private static final Pattern SYSTEM = Pattern.compile("[1-9]\\d{0,19}");
  private static final String UINT64_MAX = Long.toUnsignedString(-1L);
  private static final Pattern FOLDER = Pattern.compile("[0-9A-F]{16}");
  private static final Pattern SEGMENT =
      Pattern.compile("([0-9A-F]{24})-([0-9a-f]{64})\\.zst(\\.age)?");
  private static final Pattern PARTIAL =
      Pattern.compile("([0-9A-F]{24})\\.partial-([0-9A-F]{8})-([0-9a-f]{64})\\.zst(\\.age)?");
  private static final Pattern HISTORY =
      Pattern.compile("([0-9A-F]{8}\\.history)-([0-9a-f]{64})\\.zst(\\.age)?");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private WalArchive() {}

  /** What an object of the archive is. */
  public enum Kind implements Word {
    /** A completed segment: all of its {@code segmentSize} bytes. */
    SEGMENT,
    /** The first {@code validBytes} of a segment still being written. */
    PARTIAL,
    /** A timeline history file. */
    HISTORY
  }

  /**
   * One stored object of the archive. {@code segmentNumber} is 0 and {@code validBytes} is 0 for a
   * history file (its length is not in the key); {@code storedBytes} is the object's size in the
   * store (compressed, maybe encrypted), {@code sha256} the checksum of those stored bytes.
   */
  public record Entry(
      Kind kind,
      String systemIdentifier,
      long timeline,
      long segmentNumber,
      long segmentSize,
      long validBytes,
      String sha256,
      boolean encrypted,
      String key,
      long storedBytes,
      Instant lastModified) {

    public Entry {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(key);
    }

    /** The segment a completed or partial object holds. */
    public WalFiles.Segment segment() {
      if (kind == Kind.HISTORY) {
        throw new IllegalStateException(key + " is a timeline history file, not a segment");
      }
      return new WalFiles.Segment(timeline, segmentNumber, segmentSize);
    }

    /** The first byte after the WAL this object holds. */
    public Lsn end() {
      return segment().start().plus(validBytes);
    }
  }

  /** {@code <target>.wal/}: every WAL object and base backup of the target is under it. */
  public static String root(String target) {
    if (target == null || target.isEmpty() || target.contains("/")) {
      throw new IllegalArgumentException("'" + target + "' is not a target name");
    }
    return target + SUFFIX;
  }

  /** {@code <target>.wal/<sysid>/}: the WAL of one PostgreSQL system (initdb). */
  public static String systemRoot(String target, String systemIdentifier) {
    if (systemIdentifier == null || !isSystemIdentifier(systemIdentifier)) {
      throw new IllegalArgumentException(
          "'" + systemIdentifier + "' is not a PostgreSQL system identifier");
    }
    return root(target) + systemIdentifier + "/";
  }

  /** The folder (listing prefix) of a segment's objects: {@code …/0000000100000000/}. */
  public static String folder(String target, String systemIdentifier, WalFiles.Segment segment) {
    return systemRoot(target, systemIdentifier) + WalFolders.of(segment) + "/";
  }

  /** The folder (listing prefix) of the timeline history files. */
  public static String historyFolder(String target, String systemIdentifier) {
    return systemRoot(target, systemIdentifier) + HISTORY_FOLDER + "/";
  }

  /**
   * The listing prefixes that hold segments {@code from} to {@code to} (numbers, inclusive) along
   * {@code path}, each segment on the timeline recovery reads it from; in WAL order, in groups to
   * be listed at once.
   */
  public static List<List<String>> folders(
      String target,
      String systemIdentifier,
      WalFiles.History path,
      long from,
      long to,
      long segmentSize) {
    String system = systemRoot(target, systemIdentifier);
    List<String> prefixes =
        WalFolders.between(path, from, to, segmentSize).stream()
            .map(f -> system + f + "/")
            .toList();
    return WalFolders.inGroups(prefixes);
  }

  /** The key of a completed segment. */
  public static String segmentKey(
      String target,
      String systemIdentifier,
      WalFiles.Segment segment,
      String sha256,
      boolean encrypted) {
    return folder(target, systemIdentifier, segment)
        + segment.name()
        + "-"
        + requireSha256(sha256)
        + format(encrypted);
  }

  /** The key of the first {@code validBytes} of a segment in progress. */
  public static String partialKey(
      String target,
      String systemIdentifier,
      WalFiles.Segment segment,
      long validBytes,
      String sha256,
      boolean encrypted) {
    if (validBytes < 1 || validBytes > segment.size()) {
      throw new IllegalArgumentException(
          "a partial of "
              + segment.name()
              + " holds 1 to "
              + segment.size()
              + " bytes, not "
              + validBytes);
    }
    return folder(target, systemIdentifier, segment)
        + segment.partialName()
        + "-"
        + String.format(Locale.ROOT, "%08X", validBytes)
        + "-"
        + requireSha256(sha256)
        + format(encrypted);
  }

  /** The key of a timeline's history file. */
  public static String historyKey(
      String target, String systemIdentifier, long timeline, String sha256, boolean encrypted) {
    return historyFolder(target, systemIdentifier)
        + WalFiles.historyFileName(timeline)
        + "-"
        + requireSha256(sha256)
        + format(encrypted);
  }

  /**
   * The WAL object a listed key names, or empty for anything else under the target's archive
   * ({@code cluster.json}, base backups, a temporary upload, another tool's file) and for keys
   * outside it. {@code segmentSize} is the cluster's: a segment name means a number only with it.
   */
  public static Optional<Entry> entry(String target, long segmentSize, StoredObject object) {
    String root = root(target);
    String key = object.key();
    if (!key.startsWith(root)) {
      return Optional.empty();
    }
    String[] parts = key.substring(root.length()).split("/", -1);
    if (parts.length != 3 || !isSystemIdentifier(parts[0])) {
      return Optional.empty();
    }
    String system = parts[0];
    String folder = parts[1];
    String name = parts[2];
    if (folder.equals(HISTORY_FOLDER)) {
      Matcher m = HISTORY.matcher(name);
      OptionalLong timeline =
          m.matches() ? WalFiles.parseHistoryFileName(m.group(1)) : OptionalLong.empty();
      if (timeline.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new Entry(
              Kind.HISTORY,
              system,
              timeline.getAsLong(),
              0,
              segmentSize,
              0,
              m.group(2),
              m.group(3) != null,
              key,
              object.size(),
              object.lastModified()));
    }
    if (!FOLDER.matcher(folder).matches()) {
      return Optional.empty();
    }
    Matcher segment = SEGMENT.matcher(name);
    if (segment.matches()) {
      return WalFiles.parseSegment(segment.group(1), segmentSize)
          .filter(s -> WalFolders.of(s).equals(folder))
          .map(
              s ->
                  new Entry(
                      Kind.SEGMENT,
                      system,
                      s.timeline(),
                      s.number(),
                      segmentSize,
                      segmentSize,
                      segment.group(2),
                      segment.group(3) != null,
                      key,
                      object.size(),
                      object.lastModified()));
    }
    Matcher partial = PARTIAL.matcher(name);
    if (partial.matches()) {
      long valid = Long.parseLong(partial.group(2), 16);
      if (valid < 1 || valid > segmentSize) {
        return Optional.empty();
      }
      return WalFiles.parseSegment(partial.group(1), segmentSize)
          .filter(s -> WalFolders.of(s).equals(folder))
          .map(
              s ->
                  new Entry(
                      Kind.PARTIAL,
                      system,
                      s.timeline(),
                      s.number(),
                      segmentSize,
                      valid,
                      partial.group(3),
                      partial.group(4) != null,
                      key,
                      object.size(),
                      object.lastModified()));
    }
    return Optional.empty();
  }

  /**
   * The WAL objects among {@code objects} (a listing of the target's archive), in WAL order:
   * history files first, then by segment number, timeline, completed before partial, longer partial
   * first. Keys that name no WAL object are left out.
   */
  public static List<Entry> entries(String target, long segmentSize, List<StoredObject> objects) {
    List<Entry> entries = new ArrayList<>();
    for (StoredObject object : objects) {
      entry(target, segmentSize, object).ifPresent(entries::add);
    }
    entries.sort(WAL_ORDER);
    return entries;
  }

  /**
   * A base backup as the chain needs it: where its WAL starts and stops and when it completed (the
   * base-backup manifest holds them).
   */
  public record BackupRange(String id, long timeline, Lsn start, Lsn stop, Instant completedAt) {

    public BackupRange {
      if (!stop.isAfter(start)) {
        throw new IllegalArgumentException(
            "base backup " + id + " stops at " + stop + ", not after its start " + start);
      }
    }
  }

  /**
   * Contiguous completed segments {@code first} to {@code last} along the chain's timeline path,
   * and the longest partial of the segment after them. A run of only a partial has {@code segments}
   * 0 and {@code first == last ==} the partial's segment. {@code lastModified} is the store's time
   * of the run's last object: roughly when the WAL that ends at {@code end} reached the store.
   */
  public record Run(
      WalFiles.Segment first,
      WalFiles.Segment last,
      long segments,
      Entry partial,
      Lsn end,
      Instant lastModified) {

    /** The number of the last completed segment; {@code first.number() - 1} when there is none. */
    public long completedThrough() {
      return partial == null ? last.number() : last.number() - 1;
    }
  }

  /** Segments {@code from} to {@code to} (inclusive) are in no completed object of the store. */
  public record Gap(WalFiles.Segment from, WalFiles.Segment to) {

    public long segments() {
      return to.number() - from.number() + 1;
    }
  }

  /**
   * A point-in-time restore from base backup {@code baseBackup} can reach any moment from its
   * completion ({@code from}, {@code fromLsn}: its stop) up to {@code to} / {@code toLsn}, the end
   * of the contiguous WAL after it, on {@code timeline}.
   */
  public record Window(
      String baseBackup, Instant from, Instant to, long timeline, Lsn fromLsn, Lsn toLsn) {}

  /**
   * What one store holds of one system's WAL along the history of its newest {@code timeline}: the
   * runs in WAL order, the gaps between them (from the oldest base backup's start on), the window
   * of every base backup whose WAL is complete, and the timelines that have WAL but whose history
   * file was not given (their WAL cannot be followed).
   */
  public record Chain(
      String systemIdentifier,
      long timeline,
      List<Run> runs,
      List<Gap> gaps,
      List<Window> windows,
      List<Long> timelinesWithoutHistory) {

    public Chain {
      runs = List.copyOf(runs);
      gaps = List.copyOf(gaps);
      windows = List.copyOf(windows);
      timelinesWithoutHistory = List.copyOf(timelinesWithoutHistory);
    }

    /** Completed segments along the timeline path, each counted once however many copies. */
    public long segments() {
      return runs.stream().mapToLong(Run::segments).sum();
    }

    /** The run that holds the newest WAL, if any. */
    public Optional<Run> newest() {
      return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
    }
  }

  /**
   * Follows one store's WAL of one system. {@code entries} come from {@link #entries}; {@code
   * histories} are the parsed history files of the timelines the store holds (timeline 1 needs
   * none). The chain follows the newest timeline whose history is known: each segment is taken from
   * the timeline recovery would read it from, so the old timeline's last partial and anything an
   * old primary wrote after the switch are off the path. Copies of one segment count once.
   */
  public static Chain chain(
      long segmentSize,
      List<Entry> entries,
      List<BackupRange> baseBackups,
      List<WalFiles.History> histories) {
    Set<String> systems = new TreeSet<>();
    for (Entry e : entries) {
      systems.add(e.systemIdentifier());
      if (e.kind() != Kind.HISTORY && e.segmentSize() != segmentSize) {
        throw new IllegalArgumentException(
            e.key() + " was read with " + e.segmentSize() + "-byte segments, not " + segmentSize);
      }
    }
    if (systems.size() > 1) {
      throw new IllegalArgumentException(
          "a chain follows the WAL of one system; these entries are of " + systems);
    }
    TreeMap<Long, WalFiles.History> known = new TreeMap<>();
    for (WalFiles.History h : histories) {
      WalFiles.History before = known.put(h.timeline(), h);
      if (before != null && !before.equals(h)) {
        throw new IllegalArgumentException(
            "two different histories of timeline " + h.timeline() + " were given");
      }
    }
    known.putIfAbsent(1L, WalFiles.History.of(1)); // timeline 1 has no history file
    SortedSet<Long> withoutHistory = new TreeSet<>();
    entries.stream()
        .map(Entry::timeline)
        .filter(t -> !known.containsKey(t))
        .forEach(withoutHistory::add);
    WalFiles.History newest = known.lastEntry().getValue();
    Map<Long, List<Run>> runsByPath = new HashMap<>();
    List<Run> runs =
        runsByPath.computeIfAbsent(
            newest.timeline(), t -> runs(known.get(t), segmentSize, entries));

    List<BackupRange> byStop =
        baseBackups.stream().sorted(Comparator.comparing(BackupRange::stop)).toList();
    List<Window> windows = new ArrayList<>();
    for (BackupRange b : byStop) {
      Optional<WalFiles.History> path = pathOf(b, known);
      if (path.isEmpty()) {
        continue; // its timeline's history is not stored: recovery could not follow it either
      }
      long start = b.start().segmentNumber(segmentSize);
      long stop = b.stop().precedingSegmentNumber(segmentSize);
      runsByPath
          .computeIfAbsent(path.get().timeline(), t -> runs(known.get(t), segmentSize, entries))
          .stream()
          .filter(r -> r.segments() > 0)
          .filter(r -> r.first().number() <= start && r.completedThrough() >= stop)
          .findFirst()
          .ifPresent(
              r ->
                  windows.add(
                      new Window(
                          b.id(),
                          b.completedAt(),
                          r.lastModified(),
                          r.last().timeline(),
                          b.stop(),
                          r.end())));
    }
    OptionalLong oldestStart =
        baseBackups.stream().mapToLong(b -> b.start().segmentNumber(segmentSize)).min();
    OptionalLong newestStop =
        baseBackups.stream().mapToLong(b -> b.stop().precedingSegmentNumber(segmentSize)).max();
    return new Chain(
        systems.isEmpty() ? null : systems.iterator().next(),
        newest.timeline(),
        runs,
        gaps(newest, segmentSize, runs, oldestStart, newestStop),
        windows,
        List.copyOf(withoutHistory));
  }

  // the newest known timeline whose history has the backup's start on the backup's timeline
  private static Optional<WalFiles.History> pathOf(
      BackupRange backup, Map<Long, WalFiles.History> known) {
    return known.values().stream()
        .sorted(Comparator.comparingLong(WalFiles.History::timeline).reversed())
        .filter(h -> h.timelineAt(backup.start()) == backup.timeline())
        .findFirst();
  }

  private static List<Run> runs(WalFiles.History path, long segmentSize, List<Entry> entries) {
    TreeMap<Long, Entry> completed = new TreeMap<>(); // the earliest copy of each segment
    TreeMap<Long, Entry> partials = new TreeMap<>(); // the longest partial of each segment
    for (Entry e : entries) {
      if (e.kind() == Kind.HISTORY
          || e.timeline() != path.timelineOfSegment(e.segmentNumber(), segmentSize)) {
        continue;
      }
      if (e.kind() == Kind.SEGMENT) {
        completed.merge(e.segmentNumber(), e, WalArchive::earlier);
      } else {
        partials.merge(e.segmentNumber(), e, WalArchive::longer);
      }
    }
    completed.keySet().forEach(partials::remove); // a completed segment supersedes its partials
    List<Run> runs = new ArrayList<>();
    Entry first = null;
    Entry last = null;
    long count = 0;
    for (Entry e : completed.values()) {
      if (last != null && e.segmentNumber() != last.segmentNumber() + 1) {
        runs.add(run(first, last, count, partials.remove(last.segmentNumber() + 1)));
        first = null;
      }
      if (first == null) {
        first = e;
        count = 0;
      }
      last = e;
      count++;
    }
    if (last != null) {
      runs.add(run(first, last, count, partials.remove(last.segmentNumber() + 1)));
    }
    for (Entry alone : partials.values()) {
      runs.add(
          new Run(alone.segment(), alone.segment(), 0, alone, alone.end(), alone.lastModified()));
    }
    runs.sort(Comparator.comparingLong(r -> r.first().number()));
    return runs;
  }

  private static Run run(Entry first, Entry last, long count, Entry partial) {
    Entry end = partial != null ? partial : last;
    return new Run(first.segment(), end.segment(), count, partial, end.end(), end.lastModified());
  }

  private static List<Gap> gaps(
      WalFiles.History path,
      long segmentSize,
      List<Run> runs,
      OptionalLong oldestStart,
      OptionalLong newestStop) {
    List<long[]> missing = new ArrayList<>();
    long next = -1; // the first segment after the previous run's completed ones
    for (Run r : runs) {
      if (r.segments() == 0) {
        continue; // a lone partial completes nothing: it lies inside a gap
      }
      if (next >= 0 && r.first().number() > next) {
        missing.add(new long[] {next, r.first().number() - 1});
      } else if (next < 0
          && oldestStart.isPresent()
          && r.first().number() > oldestStart.getAsLong()) {
        missing.add(new long[] {oldestStart.getAsLong(), r.first().number() - 1});
      }
      next = r.completedThrough() + 1;
    }
    if (next < 0 && oldestStart.isPresent()) {
      missing.add(new long[] {oldestStart.getAsLong(), newestStop.getAsLong()});
    }
    List<Gap> gaps = new ArrayList<>();
    for (long[] m : missing) {
      long from = oldestStart.isPresent() ? Math.max(m[0], oldestStart.getAsLong()) : m[0];
      if (from <= m[1]) {
        gaps.add(
            new Gap(
                new WalFiles.Segment(path.timelineOfSegment(from, segmentSize), from, segmentSize),
                new WalFiles.Segment(
                    path.timelineOfSegment(m[1], segmentSize), m[1], segmentSize)));
      }
    }
    return gaps;
  }

  private static Entry earlier(Entry a, Entry b) {
    if (a.lastModified() == null) {
      return b;
    }
    return b.lastModified() != null && b.lastModified().isBefore(a.lastModified()) ? b : a;
  }

  private static Entry longer(Entry a, Entry b) {
    if (a.validBytes() != b.validBytes()) {
      return a.validBytes() > b.validBytes() ? a : b;
    }
    return earlier(a, b);
  }

  static final Comparator<Entry> WAL_ORDER =
      Comparator.comparing((Entry e) -> e.kind() != Kind.HISTORY)
          .thenComparingLong(Entry::segmentNumber)
          .thenComparingLong(Entry::timeline)
          .thenComparing(e -> e.kind() == Kind.PARTIAL)
          .thenComparing(Comparator.comparingLong(Entry::validBytes).reversed())
          .thenComparing(Entry::key);

  // decimal, as pg_control_system() prints it: no leading zero, at most 2^64 - 1
  private static boolean isSystemIdentifier(String s) {
    return SYSTEM.matcher(s).matches()
        && (s.length() < UINT64_MAX.length() || s.compareTo(UINT64_MAX) <= 0);
  }

  private static String requireSha256(String sha256) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "'" + sha256 + "' is not a SHA-256 in lower-case hex (64 digits)");
    }
    return sha256;
  }

  private static String format(boolean encrypted) {
    return encrypted ? ZSTD + AGE : ZSTD;
  }
}
