package dev.lifeboat.retention;

import java.util.Locale;

/** Why a backup is kept; a backup is kept when it has at least one. */
enum Reason {
  KEEP_LAST,
  KEEP_HOURLY,
  KEEP_DAILY,
  KEEP_WEEKLY,
  KEEP_MONTHLY,
  KEEP_YEARLY,
  KEEP_WITHIN,
  KEEP_LABEL,
  /** Floor: the newest complete backup in the store. */
  NEWEST,
  /** Floor: the newest complete backup a drill or verify proved good. */
  NEWEST_VERIFIED,
  /** Floor: younger than min-age. */
  MIN_AGE,
  /** Floor: pinned with {@code lifeboat pin}. */
  PINNED,
  /** Floor: a safety backup (pre-restore, pre-migrate-*, post-migrate-*) younger than 14 days. */
  SAFETY,
  /** Floor: the newest complete backup is too old, so backups are failing: keep everything. */
  BACKUPS_FAILING;

  /** The word in the plan and in {@code prune --json}: {@code keep-daily}, {@code pinned}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
