package dev.lifeboat.retention;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.Retention;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.run.VerbName;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeSet;
import java.util.function.Function;
import org.quartz.CronExpression;

/**
 * Resolves the rules for one target in one store: {@code lifeboat.stores.<s>.retention} over {@code
 * lifeboat.targets.<t>.retention} over {@code lifeboat.retention}, key by key, over {@link
 * RetentionRules#DEFAULTS}; and the failing-backups threshold from the target's backup schedule.
 */
final class RetentionSettings {

  private RetentionSettings() {}

  /** The rules for {@code target} in {@code store}; a bad zone is a {@link ConfigException}. */
  public static RetentionRules rules(LifeboatProperties p, String target, String store) {
    LifeboatProperties.TargetProperties t = p.targets().get(target);
    LifeboatProperties.StoreProperties s = p.stores().get(store);
    List<Retention> levels =
        java.util.Arrays.asList(
            s == null ? null : s.retention(), t == null ? null : t.retention(), p.retention());
    RetentionRules d = RetentionRules.DEFAULTS;
    String zoneKey = zoneKey(levels, target, store);
    String zoneName = pick(levels, Retention::zone, null);
    ZoneId zone;
    try {
      zone = zoneName == null ? d.zone() : ZoneId.of(zoneName.trim());
    } catch (DateTimeException e) {
      throw new ConfigException(
          zoneKey,
          "'" + zoneName + "' is not a time zone; use a name such as UTC or Europe/Berlin");
    }
    return new RetentionRules(
        pick(levels, Retention::keepLast, d.keepLast()),
        pick(levels, Retention::keepHourly, d.keepHourly()),
        pick(levels, Retention::keepDaily, d.keepDaily()),
        pick(levels, Retention::keepWeekly, d.keepWeekly()),
        pick(levels, Retention::keepMonthly, d.keepMonthly()),
        pick(levels, Retention::keepYearly, d.keepYearly()),
        pick(levels, Retention::keepWithin, d.keepWithin()),
        pick(levels, Retention::keepLabels, d.keepLabels()),
        pick(levels, Retention::minAge, d.minAge()),
        zone);
  }

  /**
   * A newest backup older than this means backups are failing: twice the longest gap between two
   * firings of the target's backup schedule, or 48h without one.
   */
  public static Duration failingAfter(LifeboatProperties p, String target, Instant now) {
    Duration gap = longestScheduledGap(p, target, now, VerbName.BACKUP);
    return gap == null ? RetentionPolicy.FAILING_WITHOUT_SCHEDULE : gap.multipliedBy(2);
  }

  /**
   * The same for base backups, from the target's {@code basebackup} schedule (often weekly, so a
   * week-old newest base backup is not taken for failing ones). Without that schedule base backups
   * are taken by hand and "failing" means nothing: no guard ({@link #NO_GUARD}); the newest
   * complete base backup and its WAL are kept by their own floor.
   */
  static Duration baseBackupsFailingAfter(LifeboatProperties p, String target, Instant now) {
    Duration gap = longestScheduledGap(p, target, now, VerbName.BASEBACKUP);
    return gap == null ? NO_GUARD : gap.multipliedBy(2);
  }

  /** A failing-after no series reaches: the guard never holds. */
  static final Duration NO_GUARD = Duration.ofDays(365L * 1000);

  private static Duration longestScheduledGap(
      LifeboatProperties p, String target, Instant now, VerbName verb) {
    Set<String> verbs = new TreeSet<>(p.schedules().keySet());
    p.targets().values().forEach(t -> verbs.addAll(t.schedules().keySet()));
    if (!verbs.contains(verb.word())) {
      return null;
    }
    for (Schedules.Planned planned : Schedules.plan(p, verbs, now)) {
      if (verb.is(planned.verb()) && planned.target().equals(target)) {
        Duration gap = longestGap(planned.cron(), planned.zone(), now);
        if (gap != null) {
          return gap;
        }
      }
    }
    return null;
  }

  /** The longest gap between the next firings (a weekly or monthly cron is irregular). */
  static Duration longestGap(String cron, ZoneId zone, Instant now) {
    CronExpression expression;
    try {
      expression = new CronExpression(cron);
    } catch (ParseException e) {
      return null; // Schedules.plan reports it with its key
    }
    expression.setTimeZone(TimeZone.getTimeZone(zone));
    Date previous = expression.getNextValidTimeAfter(Date.from(now));
    Duration longest = null;
    for (int i = 0; i < 32 && previous != null; i++) {
      Date next = expression.getNextValidTimeAfter(previous);
      if (next == null) {
        break;
      }
      Duration gap = Duration.between(previous.toInstant(), next.toInstant());
      if (longest == null || gap.compareTo(longest) > 0) {
        longest = gap;
      }
      previous = next;
    }
    return longest;
  }

  private static <T> T pick(List<Retention> levels, Function<Retention, T> key, T fallback) {
    for (Retention level : levels) {
      if (level != null && key.apply(level) != null) {
        return key.apply(level);
      }
    }
    return fallback;
  }

  private static String zoneKey(List<Retention> levels, String target, String store) {
    if (levels.get(0) != null && levels.get(0).zone() != null) {
      return "lifeboat.stores." + store + ".retention.zone";
    }
    if (levels.get(1) != null && levels.get(1).zone() != null) {
      return "lifeboat.targets." + target + ".retention.zone";
    }
    return "lifeboat.retention.zone";
  }
}
