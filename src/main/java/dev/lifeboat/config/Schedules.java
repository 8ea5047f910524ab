package dev.lifeboat.config;

import dev.lifeboat.config.LifeboatProperties.Schedule;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeSet;
import org.quartz.CronExpression;

/**
 * What {@code serve} fires: every (verb, target) pair with its cron and zone, from {@code
 * lifeboat.schedules} and each target's own {@code schedules}. Pure: reads the configuration,
 * checks it, names the key of every mistake.
 */
public final class Schedules {

  /** One schedule in force. {@code key} is where it is configured. */
  public record Planned(String verb, String target, String cron, ZoneId zone, String key) {

    /** The Quartz job (and trigger) name: one per verb and target. */
    public String jobName() {
      return verb + "." + target;
    }
  }

  private Schedules() {}

  /**
   * The schedules in force; throws {@link ConfigException} naming the key of the first mistake
   * (unknown verb, bad cron or zone, a cron that never fires after {@code now}, unknown target).
   */
  public static List<Planned> plan(
      LifeboatProperties properties, Collection<String> verbs, Instant now) {
    Set<String> known = new TreeSet<>(verbs);
    Set<String> targets = new TreeSet<>(properties.targets().keySet());
    for (Map.Entry<String, Schedule> e : properties.schedules().entrySet()) {
      String key = "lifeboat.schedules." + e.getKey();
      check(key, e.getKey(), e.getValue(), known, now);
      List<String> only = e.getValue().targets();
      if (only != null) {
        for (String t : only) {
          if (!targets.contains(t)) {
            throw new ConfigException(
                key + ".targets",
                "no target named '" + t + "' (configured: " + targets + "); fix or remove it");
          }
        }
      }
    }
    List<Planned> planned = new ArrayList<>();
    for (String target : targets) {
      Map<String, Schedule> own = properties.targets().get(target).schedules();
      for (Map.Entry<String, Schedule> e : own.entrySet()) {
        String key = "lifeboat.targets." + target + ".schedules." + e.getKey();
        if (e.getValue().targets() != null) {
          throw new ConfigException(
              key + ".targets", "only a global schedule names targets; remove it here");
        }
        if (e.getValue().enabled()) {
          check(key, e.getKey(), e.getValue(), known, now);
        } else if (!known.contains(e.getKey())) {
          throw unknownVerb(key, e.getKey(), known);
        }
      }
      for (String verb : known) {
        Schedule mine = own.get(verb);
        Schedule global = properties.schedules().get(verb);
        if (mine != null) {
          if (mine.enabled()) {
            planned.add(
                planned(verb, target, mine, "lifeboat.targets." + target + ".schedules." + verb));
          }
        } else if (global != null
            && global.enabled()
            && (global.targets() == null || global.targets().contains(target))) {
          planned.add(planned(verb, target, global, "lifeboat.schedules." + verb));
        }
      }
    }
    return planned;
  }

  /** {@code verb} of {@code target} on schedule {@code s}, configured under {@code key}. */
  private static Planned planned(String verb, String target, Schedule s, String key) {
    return new Planned(verb, target, s.cron().trim(), ZoneId.of(s.zone().trim()), key);
  }

  private static void check(String key, String verb, Schedule s, Set<String> known, Instant now) {
    if (!known.contains(verb)) {
      throw unknownVerb(key, verb, known);
    }
    if (!s.enabled()) {
      return;
    }
    if (s.cron() == null || s.cron().isBlank()) {
      throw new ConfigException(
          key + ".cron", "missing; give a Quartz cron expression, e.g. \"0 0 2 * * ?\"");
    }
    CronExpression cron;
    try {
      cron = new CronExpression(s.cron().trim());
    } catch (ParseException e) {
      throw new ConfigException(
          key + ".cron",
          "'"
              + s.cron()
              + "' is not a Quartz cron expression ("
              + e.getMessage()
              + "); six or seven fields: seconds minutes hours day-of-month month day-of-week"
              + " [year], e.g. \"0 0 2 * * ?\"");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(s.zone().trim());
    } catch (DateTimeException e) {
      throw new ConfigException(
          key + ".zone",
          "'" + s.zone() + "' is not a time zone; use a name such as UTC or Europe/Berlin");
    }
    // Quartz refuses such a trigger only when serve schedules it: refuse the file instead
    cron.setTimeZone(TimeZone.getTimeZone(zone));
    if (cron.getNextValidTimeAfter(Date.from(now)) == null) {
      throw new ConfigException(
          key + ".cron",
          "'"
              + s.cron()
              + "' never fires: no time after "
              + now.truncatedTo(ChronoUnit.SECONDS)
              + " matches it in "
              + zone.getId()
              + " (such as 31 February, or a year that has passed); fix the day, month or year");
    }
  }

  private static ConfigException unknownVerb(String key, String verb, Set<String> known) {
    return new ConfigException(
        key, "there is no job named '" + verb + "' to schedule (jobs: " + known + ")");
  }
}
