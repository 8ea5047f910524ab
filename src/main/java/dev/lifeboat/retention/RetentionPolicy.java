package dev.lifeboat.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups of one target in one store are kept and why: a pure function of the backups, the
 * clock and the rules (restic's {@code forget} semantics, plus floors no rule can go below).
 *
 * <p>A backup is kept if any rule keeps it. {@code keep-last N} keeps the N newest; {@code
 * keep-daily N} keeps the newest backup of each of the N most recent days that have a backup
 * (hourly, ISO-weekly, monthly and yearly likewise, in the rules' zone); {@code keep-within D}
 * keeps every backup completed at most D before the newest one (not before now, so failing backups
 * never age good ones out); {@code keep-labels} keeps every backup with such a label.
 *
 * <p>Floors: the newest backup and the newest verified one; everything younger than min-age; pinned
 * backups; safety backups ({@code pre-restore}, {@code pre-migrate-*}, {@code post-migrate-*})
 * younger than 14 days; and when the newest backup is older than {@code failingAfter}, everything.
 */
final class RetentionPolicy {

  /** How long safety backups are kept at least, whatever the rules say. */
  public static final Duration SAFETY_DAYS = Duration.ofDays(14);

  /** The guard without a backup schedule: a newest backup older than this means "failing". */
  public static final Duration FAILING_WITHOUT_SCHEDULE = Duration.ofHours(48);

  private RetentionPolicy() {}

  /**
   * What the policy knows of one complete backup.
   *
   * @param completedAt when the backup completed: every rule counts from it
   * @param verifiedAt when a drill or verify last proved it good, or null
   */
  public record Backup(
      String id, Instant completedAt, String label, boolean pinned, Instant verifiedAt) {
    public Backup {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(completedAt, "completedAt");
    }
  }

  /** One backup and every reason it is kept; none means it is deleted. */
  public record Decision(Backup backup, Set<Reason> reasons) {
    public Decision {
      reasons = reasons.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(reasons));
    }

    public boolean kept() {
      return !reasons.isEmpty();
    }

    /** The reasons in a stable order, as words. */
    public List<String> words() {
      return reasons.isEmpty()
          ? List.of()
          : EnumSet.copyOf(reasons).stream().map(Reason::word).toList();
    }
  }

  /**
   * The decisions, newest first, and, when the failing-backups guard holds, why nothing is deleted.
   */
  public record Plan(List<Decision> decisions, String guard) {
    public List<Decision> kept() {
      return decisions.stream().filter(Decision::kept).toList();
    }

    public List<Decision> deleted() {
      return decisions.stream().filter(d -> !d.kept()).toList();
    }
  }

  /**
   * Decides for {@code backups} (complete, of one target in one store, in any order).
   *
   * @param failingAfter a newest backup older than this means backups are failing: twice the backup
   *     schedule's interval, or {@link #FAILING_WITHOUT_SCHEDULE}
   */
  public static Plan plan(
      List<Backup> backups, Clock clock, RetentionRules rules, Duration failingAfter) {
    Instant now = clock.instant();
    List<Backup> sorted = new ArrayList<>(backups);
    // newest first; the id breaks ties, so the store's listing order never matters
    sorted.sort(Comparator.comparing(Backup::completedAt).thenComparing(Backup::id).reversed());
    Set<String> seen = new HashSet<>();
    for (Backup b : sorted) {
      if (!seen.add(b.id())) {
        throw new IllegalArgumentException("backup " + b.id() + " is listed twice");
      }
    }
    List<Set<Reason>> reasons = new ArrayList<>();
    sorted.forEach(b -> reasons.add(EnumSet.noneOf(Reason.class)));
    if (sorted.isEmpty()) {
      return new Plan(List.of(), null);
    }
    Backup newest = sorted.get(0);
    String guard = null;
    if (Duration.between(newest.completedAt(), now).compareTo(failingAfter) > 0) {
      guard =
          "the newest complete backup "
              + newest.id()
              + " completed "
              + human(Duration.between(newest.completedAt(), now))
              + " ago, more than "
              + human(failingAfter)
              + ": backups are failing, so nothing is deleted; fix the backups first";
    }

    bucket(sorted, reasons, rules.keepLast(), Reason.KEEP_LAST, rules.zone(), null);
    bucket(
        sorted,
        reasons,
        rules.keepHourly(),
        Reason.KEEP_HOURLY,
        rules.zone(),
        z -> z.getYear() * 1_000_000L + z.getDayOfYear() * 100L + z.getHour());
    bucket(
        sorted,
        reasons,
        rules.keepDaily(),
        Reason.KEEP_DAILY,
        rules.zone(),
        z -> z.getYear() * 1000L + z.getDayOfYear());
    bucket(
        sorted,
        reasons,
        rules.keepWeekly(),
        Reason.KEEP_WEEKLY,
        rules.zone(),
        z -> z.get(IsoFields.WEEK_BASED_YEAR) * 100L + z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    bucket(
        sorted,
        reasons,
        rules.keepMonthly(),
        Reason.KEEP_MONTHLY,
        rules.zone(),
        z -> z.getYear() * 100L + z.getMonthValue());
    bucket(
        sorted,
        reasons,
        rules.keepYearly(),
        Reason.KEEP_YEARLY,
        rules.zone(),
        z -> (long) z.getYear());

    Instant verifiedNewest = null;
    for (int i = 0; i < sorted.size(); i++) {
      Backup b = sorted.get(i);
      Set<Reason> r = reasons.get(i);
      if (rules.keepWithin() != null
          && !rules.keepWithin().isZero()
          && !b.completedAt().isBefore(newest.completedAt().minus(rules.keepWithin()))) {
        r.add(Reason.KEEP_WITHIN);
      }
      // an unlabelled backup matches as the empty label, as it did when its manifest said
      // "label": "" (before issue 20): a '*' keeps every backup, labelled or not
      String label = b.label() == null ? "" : b.label();
      if (rules.keepLabels().stream().anyMatch(l -> matches(l, label))) {
        r.add(Reason.KEEP_LABEL);
      }
      if (i == 0) {
        r.add(Reason.NEWEST);
      }
      if (b.verifiedAt() != null && verifiedNewest == null) {
        verifiedNewest = b.completedAt();
        r.add(Reason.NEWEST_VERIFIED);
      }
      Duration age = Duration.between(b.completedAt(), now);
      if (age.compareTo(rules.minAge()) < 0) {
        r.add(Reason.MIN_AGE);
      }
      if (b.pinned()) {
        r.add(Reason.PINNED);
      }
      if (isSafety(b.label()) && age.compareTo(SAFETY_DAYS) < 0) {
        r.add(Reason.SAFETY);
      }
      if (guard != null) {
        r.add(Reason.BACKUPS_FAILING);
      }
    }
    List<Decision> decisions = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      decisions.add(new Decision(sorted.get(i), reasons.get(i)));
    }
    return new Plan(List.copyOf(decisions), guard);
  }

  /**
   * restic's bucket rule: walking newest first, a backup whose bucket differs from the last kept
   * bucket is the newest of a new bucket, and is kept while the count lasts. {@code key == null}
   * makes every backup its own bucket (keep-last).
   */
  private static void bucket(
      List<Backup> sorted,
      List<Set<Reason>> reasons,
      int count,
      Reason reason,
      ZoneId zone,
      Function<ZonedDateTime, Long> key) {
    Long last = null;
    int left = count;
    for (int i = 0; i < sorted.size() && left > 0; i++) {
      if (key == null) {
        reasons.get(i).add(reason);
        left--;
        continue;
      }
      long k = key.apply(sorted.get(i).completedAt().atZone(zone));
      if (last == null || k != last) {
        reasons.get(i).add(reason);
        last = k;
        left--;
      }
    }
  }

  /** pre-restore, pre-migrate-*, post-migrate-*: backups taken to undo an operation. */
  public static boolean isSafety(String label) {
    return label != null
        && (label.equals("pre-restore")
            || label.startsWith("pre-migrate-")
            || label.startsWith("post-migrate-")
            || label.equals("pre-migrate")
            || label.equals("post-migrate"));
  }

  private static boolean matches(String pattern, String label) {
    return pattern.endsWith("*")
        ? label.startsWith(pattern.substring(0, pattern.length() - 1))
        : label.equals(pattern);
  }

  /** 90s, 48h, 14d: the largest whole unit, in hours below three days. */
  static String human(Duration d) {
    long s = d.getSeconds();
    if (s >= 3 * 86_400 && s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s >= 86_400) {
      return String.format(java.util.Locale.ROOT, "%.1fd", s / 86_400.0);
    }
    if (s >= 3600) {
      return String.format(java.util.Locale.ROOT, "%.1fh", s / 3600.0);
    }
    if (s != 0 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
