package dev.lifeboat.retention;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which WAL objects of one store may go (plan §5.2): a pure plan, decided before anything is
 * deleted. WAL is kept from the start of the oldest kept base backup on; below it nothing a kept
 * base backup can replay is left, so those segments go. Partials a completed segment or a longer
 * partial of the same segment supersedes go, and all but one copy of a segment stored twice (the
 * copy the chain reads). Never deleted: history files, anything younger than {@code minAge} or of a
 * system other than the current one (its base backups are not judged here), and, with no kept base
 * backup at all, anything: WAL that nothing anchors is all a future base backup can build on.
 */
final class WalRetention {

  private WalRetention() {}

  /**
   * The plan: {@code delete} the keys to remove, {@code keepFrom} the start of the oldest kept base
   * backup (null when there is none), one reason line per kind of deletion.
   */
  record Plan(List<String> delete, Lsn keepFrom, List<String> reasons) {
    Plan {
      delete = List.copyOf(delete);
      reasons = List.copyOf(reasons);
    }
  }

  /**
   * @param entries one store's WAL objects ({@link WalArchive#entries})
   * @param kept the base backups retention keeps in this store, of the {@code currentSystem}
   * @param histories the store's timeline histories, for the check that every kept base backup's
   *     window is the same after the plan
   */
  static Plan plan(
      List<WalArchive.Entry> entries,
      List<WalArchive.BackupRange> kept,
      String currentSystem,
      List<WalFiles.History> histories,
      Instant now,
      Duration minAge) {
    Objects.requireNonNull(currentSystem, "currentSystem");
    if (kept.isEmpty()) {
      return new Plan(List.of(), null, List.of("no base backup is kept: every WAL object is kept"));
    }
    Instant youngest = now.minus(minAge);
    Lsn keepFrom = kept.stream().map(WalArchive.BackupRange::start).min(Lsn::compareTo).get();
    List<WalArchive.Entry> judged =
        entries.stream()
            .filter(e -> e.kind() != WalArchive.Kind.HISTORY)
            .filter(e -> currentSystem.equals(e.systemIdentifier()))
            .filter(e -> e.lastModified() != null && !e.lastModified().isAfter(youngest))
            .toList();
    List<WalArchive.Entry> current =
        entries.stream().filter(e -> currentSystem.equals(e.systemIdentifier())).toList();
    List<String> older = new ArrayList<>();
    List<String> superseded = new ArrayList<>();
    List<String> copies = new ArrayList<>();
    Map<String, WalArchive.Entry> read = readCopies(current);
    for (WalArchive.Entry e : judged) {
      long first = keepFrom.segmentNumber(e.segmentSize());
      if (e.segmentNumber() < first) {
        older.add(e.key());
      } else if (e.kind() == WalArchive.Kind.PARTIAL && supersededBy(e, current).isPresent()) {
        superseded.add(e.key());
      } else if (e.kind() == WalArchive.Kind.SEGMENT && !read.get(name(e)).key().equals(e.key())) {
        copies.add(e.key());
      }
    }
    List<String> delete = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    add(delete, reasons, older, "before the oldest kept base backup's start " + keepFrom);
    add(delete, reasons, superseded, "partial(s) a completed segment or a longer partial replaces");
    add(delete, reasons, copies, "second copies of a segment (the chain reads the first)");
    Plan plan = new Plan(delete, keepFrom, reasons);
    requireSameWindows(current, kept, histories, plan);
    return plan;
  }

  private static void add(
      List<String> delete, List<String> reasons, List<String> keys, String why) {
    if (!keys.isEmpty()) {
      delete.addAll(keys);
      reasons.add(keys.size() + " WAL object(s): " + why);
    }
  }

  // a completed segment of the same timeline, or a longer partial of it
  private static Optional<WalArchive.Entry> supersededBy(
      WalArchive.Entry partial, List<WalArchive.Entry> all) {
    return all.stream()
        .filter(o -> o != partial && o.kind() != WalArchive.Kind.HISTORY)
        .filter(
            o -> o.timeline() == partial.timeline() && o.segmentNumber() == partial.segmentNumber())
        .filter(
            o ->
                o.kind() == WalArchive.Kind.SEGMENT
                    || o.validBytes() > partial.validBytes()
                    || o.validBytes() == partial.validBytes() && FIRST.compare(o, partial) < 0)
        .findFirst();
  }

  /** The earliest stored copy first, as the chain reads it; the key breaks a tie. */
  private static final Comparator<WalArchive.Entry> FIRST =
      Comparator.comparing(
              WalArchive.Entry::lastModified, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(WalArchive.Entry::key);

  // per segment name (timeline and number): the one copy that stays
  private static Map<String, WalArchive.Entry> readCopies(List<WalArchive.Entry> entries) {
    return entries.stream()
        .filter(e -> e.kind() == WalArchive.Kind.SEGMENT)
        .collect(
            Collectors.groupingBy(
                WalRetention::name,
                HashMap::new,
                Collectors.collectingAndThen(Collectors.minBy(FIRST), o -> o.orElseThrow())));
  }

  private static String name(WalArchive.Entry e) {
    return e.segment().name();
  }

  /**
   * Decide, check, then act: a plan that would change what any kept base backup can restore to is a
   * bug, refused before a key is deleted.
   */
  private static void requireSameWindows(
      List<WalArchive.Entry> current,
      List<WalArchive.BackupRange> kept,
      List<WalFiles.History> histories,
      Plan plan) {
    List<WalArchive.Entry> segments =
        current.stream().filter(e -> e.kind() != WalArchive.Kind.HISTORY).toList();
    if (segments.isEmpty()) {
      return;
    }
    long segmentSize = segments.get(0).segmentSize();
    Set<String> gone = Set.copyOf(plan.delete());
    List<WalArchive.Entry> after = current.stream().filter(e -> !gone.contains(e.key())).toList();
    Function<List<WalArchive.Entry>, List<WalArchive.Window>> windows =
        list -> WalArchive.chain(segmentSize, list, kept, histories).windows();
    List<WalArchive.Window> before = windows.apply(current);
    List<WalArchive.Window> then = windows.apply(after);
    if (!before.equals(then)) {
      throw new IllegalStateException(
          "refusing to prune WAL: the plan would change the recoverable windows from "
              + before
              + " to "
              + then);
    }
  }
}
