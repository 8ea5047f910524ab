package dev.lifeboat.schedule;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.Schedule;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    String jobName() {
      return verb + "." + target;
    }
  }

  private Schedules() {}

  /**
   * The schedules in force; throws {@link ConfigException} naming the key of the first mistake
   * (unknown verb, bad cron or zone, unknown target).
   */
  public static List<Planned> plan(LifeboatProperties properties, Collection<String> verbs) {
    Set<String> known = new TreeSet<>(verbs);
    Set<String> targets = new TreeSet<>(properties.targets().keySet());
    for (Map.Entry<String, Schedule> e : properties.schedules().entrySet()) {
      String key = "lifeboat.schedules." + e.getKey();
      check(key, e.getKey(), e.getValue(), known);
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
          check(key, e.getKey(), e.getValue(), known);
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
                new Planned(
                    verb,
                    target,
                    mine.cron().trim(),
                    ZoneId.of(mine.zone().trim()),
                    "lifeboat.targets." + target + ".schedules." + verb));
          }
        } else if (global != null
            && global.enabled()
            && (global.targets() == null || global.targets().contains(target))) {
          planned.add(
              new Planned(
                  verb,
                  target,
                  global.cron().trim(),
                  ZoneId.of(global.zone().trim()),
                  "lifeboat.schedules." + verb));
        }
      }
    }
    return planned;
  }

  private static void check(String key, String verb, Schedule s, Set<String> known) {
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
    try {
      new CronExpression(s.cron().trim());
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
    try {
      ZoneId.of(s.zone().trim());
    } catch (DateTimeException e) {
      throw new ConfigException(
          key + ".zone",
          "'" + s.zone() + "' is not a time zone; use a name such as UTC or Europe/Berlin");
    }
  }

  private static ConfigException unknownVerb(String key, String verb, Set<String> known) {
    return new ConfigException(
        key, "there is no job named '" + verb + "' to schedule (jobs: " + known + ")");
  }
}
