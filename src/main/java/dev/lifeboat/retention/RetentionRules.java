package dev.lifeboat.retention;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * The retention rules for one target in one store, resolved from {@code lifeboat.retention}, {@code
 * lifeboat.targets.<t>.retention} and {@code lifeboat.stores.<s>.retention}. A count of 0 and a
 * null {@code keepWithin} switch a rule off; the floors of {@link RetentionPolicy} hold whatever
 * the rules say.
 *
 * @param keepLabels labels whose backups are always kept; a trailing {@code *} matches a prefix
 * @param minAge nothing younger is deleted (never below zero)
 * @param zone where days, weeks, months and years begin
 */
record RetentionRules(
    int keepLast,
    int keepHourly,
    int keepDaily,
    int keepWeekly,
    int keepMonthly,
    int keepYearly,
    Duration keepWithin,
    List<String> keepLabels,
    Duration minAge,
    ZoneId zone) {

  /** The defaults of CONTRACT §2: 7 last, 7 daily, 4 weekly, 12 monthly, min-age 24h, UTC. */
  public static final RetentionRules DEFAULTS =
      new RetentionRules(
          7, 0, 7, 4, 12, 0, null, List.of(), Duration.ofHours(24), ZoneId.of("UTC"));

  public RetentionRules {
    if (keepLast < 0
        || keepHourly < 0
        || keepDaily < 0
        || keepWeekly < 0
        || keepMonthly < 0
        || keepYearly < 0) {
      throw new IllegalArgumentException("retention counts must not be negative");
    }
    if (keepWithin != null && keepWithin.isNegative()) {
      throw new IllegalArgumentException("retention keep-within must not be negative");
    }
    keepLabels = keepLabels == null ? List.of() : List.copyOf(keepLabels);
    minAge = minAge == null || minAge.isNegative() ? Duration.ZERO : minAge;
    zone = zone == null ? ZoneId.of("UTC") : zone;
  }

  /** One line for the plan's header, e.g. {@code keep-last 7, keep-daily 7, min-age 24h}. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    add(s, "keep-last", keepLast);
    add(s, "keep-hourly", keepHourly);
    add(s, "keep-daily", keepDaily);
    add(s, "keep-weekly", keepWeekly);
    add(s, "keep-monthly", keepMonthly);
    add(s, "keep-yearly", keepYearly);
    if (keepWithin != null && !keepWithin.isZero()) {
      sep(s).append("keep-within ").append(RetentionPolicy.human(keepWithin));
    }
    if (!keepLabels.isEmpty()) {
      sep(s).append("keep-labels ").append(keepLabels);
    }
    sep(s).append("min-age ").append(RetentionPolicy.human(minAge));
    if (!zone.equals(ZoneId.of("UTC"))) {
      sep(s).append("zone ").append(zone);
    }
    return s.toString();
  }

  private static void add(StringBuilder s, String name, int n) {
    if (n > 0) {
      sep(s).append(name).append(' ').append(n);
    }
  }

  private static StringBuilder sep(StringBuilder s) {
    return s.isEmpty() ? s : s.append(", ");
  }
}
