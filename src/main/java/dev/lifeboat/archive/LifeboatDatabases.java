package dev.lifeboat.archive;

import dev.lifeboat.config.ConfigException;
import java.util.Locale;
import java.util.UUID;

/**
 * The databases Lifeboat creates on a server, how their names are made and how they are marked (see
 * {@link dev.lifeboat.pg.DatabaseMark}); and the names a restore may not take.
 */
public final class LifeboatDatabases {

  /** A restore's staging database: {@code <into>_lbrestore}. */
  public static final String STAGING_SUFFIX = "_lbrestore";

  /** The destination's previous data during the swap: {@code <into>_lbold}. */
  public static final String OLD_SUFFIX = "_lbold";

  /** A drill's scratch database: {@code lifeboat_drill_<backup>}. */
  public static final String SCRATCH_PREFIX = "lifeboat_drill_";

  /** Mark kinds. */
  public static final String STAGING = "restore-staging";

  public static final String OLD = "restore-old";
  public static final String SCRATCH = "drill-scratch";
  public static final String KEPT = "drill-kept";

  /** The longest name {@code --into} may have, so that its staging name fits PostgreSQL's 63. */
  static final int MAX_INTO = 63 - STAGING_SUFFIX.length();

  private LifeboatDatabases() {}

  /** A fresh id for one run, carried by the marks of the databases it creates. */
  public static String newRun() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /**
   * Refuses (exit 2) a destination that is a system database, the maintenance database Lifeboat
   * connects through, or a name Lifeboat reserves for its own databases.
   */
  public static void checkInto(String into, String maintenance) {
    if (into == null || into.isBlank() || into.length() > MAX_INTO) {
      throw new ConfigException(
          "--into",
          "give the name of the database to restore into (at most " + MAX_INTO + " characters)");
    }
    String lower = into.toLowerCase(Locale.ROOT);
    if (lower.equals("template0") || lower.equals("template1")) {
      throw new ConfigException(
          "--into",
          "'"
              + into
              + "' is the server's template database that every new database is copied from;"
              + " restore --into a database of your own; nothing was changed");
    }
    if (lower.equals("postgres") || into.equals(maintenance)) {
      throw new ConfigException(
          "--into",
          "'"
              + into
              + "' is the server's maintenance database, which Lifeboat connects through;"
              + " restore --into a database of your own; nothing was changed");
    }
    String reserved =
        lower.startsWith(SCRATCH_PREFIX)
            ? "starts with '" + SCRATCH_PREFIX + "', which Lifeboat reserves for drill scratch"
            : lower.endsWith(STAGING_SUFFIX)
                ? "ends in '" + STAGING_SUFFIX + "', which Lifeboat reserves for restore staging"
                : lower.endsWith(OLD_SUFFIX)
                    ? "ends in '" + OLD_SUFFIX + "', which Lifeboat reserves for the replaced copy"
                    : null;
    if (reserved != null) {
      throw new ConfigException(
          "--into",
          "'"
              + into
              + "' "
              + reserved
              + " databases (it drops those); choose another name; nothing was changed");
    }
  }
}
