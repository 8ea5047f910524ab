package dev.lifeboat.restore;

import dev.lifeboat.backup.BackupCatalog;
import dev.lifeboat.backup.BackupJob;
import dev.lifeboat.backup.BackupResult;
import dev.lifeboat.backup.Manifest;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.progress.Progress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * Restores a backup into a database on the target's server: plan first, then fetch and verify the
 * archive, take a safety backup of what would be replaced, restore into a staging database, check
 * the row counts against the manifest, and only then rename the staging database into place. Any
 * failure before the rename leaves the destination exactly as it was.
 */
@Component
public final class Restore {

  static final String STAGING_SUFFIX = "_lbrestore";
  static final String OLD_SUFFIX = "_lbold";

  private final LifeboatConfig config;
  private final BackupCatalog catalog;
  private final ArchiveFetcher fetcher;
  private final BackupJob backupJob;
  private final PgRestore pgRestore = new PgRestore();
  private final Progress progress;

  Restore(
      LifeboatConfig config,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      BackupJob backupJob,
      Progress progress) {
    this.progress = progress;
    this.config = config;
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.backupJob = backupJob;
  }

  /** Decides everything without changing anything; refusals are usage errors (exit 2). */
  public RestorePlan plan(Target target, String idOrLatest, String database, boolean clean) {
    if (database == null
        || database.isBlank()
        || database.length() > 63 - STAGING_SUFFIX.length()) {
      throw new ConfigException(
          "--into",
          "give the name of the database to restore into (at most "
              + (63 - STAGING_SUFFIX.length())
              + " characters)");
    }
    BackupCatalog.Entry entry = catalog.find(target, idOrLatest);
    Manifest manifest = entry.manifest();
    PgConnection into = target.connection().withDatabase(database);
    try (PgDatabases server = PgDatabases.connect(target.connection())) {
      boolean exists = server.exists(database);
      int userTables = 0;
      if (exists) {
        try (Connection c = into.open()) {
          userTables = PgCatalog.userTableCount(c);
        }
      }
      if (userTables > 0 && !clean) {
        throw new ConfigException(
            "--clean",
            "database '"
                + database
                + "' on "
                + into.host()
                + ":"
                + into.port()
                + " already holds "
                + userTables
                + " user tables; add --clean to replace it (a safety backup is"
                + " taken first) or restore --into a new database; nothing was changed");
      }
      int serverMajor = PgBinaries.serverMajor(server.serverVersionNum());
      PgTool tool =
          config.pgBinaries().require("pg_restore", Math.max(serverMajor, dumpMajor(manifest)));
      Target safety = userTables > 0 ? safetyTarget(target, database) : null;
      ArchiveFetcher.SpoolSpace spool = fetcher.checkSpace(manifest);
      return new RestorePlan(
          target,
          entry,
          ArchiveFetcher.order(target, entry),
          into,
          exists,
          userTables,
          clean,
          safety,
          database + STAGING_SUFFIX,
          spool,
          tool,
          config.properties().restore().effectiveJobs());
    } catch (SQLException e) {
      throw new ConfigException(
          "lifeboat.targets." + target.name() + ".url",
          "cannot inspect database '"
              + database
              + "' on "
              + into.host()
              + ":"
              + into.port()
              + ": "
              + PgErrors.firstLine(e.getMessage()));
    }
  }

  /**
   * Carries the plan out; throws {@link RestoreException} with the destination untouched on
   * failure.
   */
  public RestoreResult execute(RestorePlan plan) {
    Manifest manifest = plan.backup().manifest();
    long started = System.nanoTime();
    try (ArchiveFetcher.Fetched archive = fetcher.fetch(plan.target(), plan.backup())) {
      String safetyId = null;
      if (plan.safetyBackupTarget() != null) {
        BackupResult safety = backupJob.run(plan.safetyBackupTarget(), "pre-restore");
        if (safety.exitCode() == 1) {
          throw new RestoreException(
              "the safety backup of database '"
                  + plan.into().database()
                  + "' failed ("
                  + safety.error()
                  + "); nothing was restored");
        }
        safetyId = safety.id();
      }
      List<RestoreResult.TableCount> tables = restoreIntoStaging(plan, archive);
      swapIntoPlace(plan);
      double seconds = (System.nanoTime() - started) / 1e9;
      return new RestoreResult(
          "restored",
          manifest.id(),
          plan.target().name(),
          plan.into().database(),
          archive.store(),
          archive.attempts(),
          safetyId,
          seconds,
          tables,
          null);
    }
  }

  private List<RestoreResult.TableCount> restoreIntoStaging(
      RestorePlan plan, ArchiveFetcher.Fetched archive) {
    String staging = plan.staging();
    PgConnection stagingConnection = plan.into().withDatabase(staging);
    try (PgDatabases server = PgDatabases.connect(plan.into())) {
      server.drop(staging); // a leftover of a restore that crashed
      server.create(staging);
      try {
        try (Progress.Task task = progress.start("pg_restore into " + staging, -1);
            SizeWatch watch =
                progress.visible() ? new SizeWatch(plan.into(), staging, task) : null) {
          pgRestore.restore(
              plan.pgRestore(),
              archive.archive(),
              stagingConnection,
              plan.jobs(),
              false,
              config.properties().restore().timeout());
        }
        List<RestoreResult.TableCount> tables =
            compare(plan.backup().manifest().tables(), rowCounts(stagingConnection));
        List<String> wrong =
            tables.stream().filter(t -> !t.ok()).map(RestoreResult.TableCount::table).toList();
        if (!wrong.isEmpty()) {
          throw new RestoreException(
              "row counts after pg_restore differ from the manifest in "
                  + wrong
                  + "; database '"
                  + plan.into().database()
                  + "' was not touched");
        }
        return tables;
      } catch (SQLException | RuntimeException e) {
        server.drop(staging);
        if (e instanceof RestoreException re) {
          throw re;
        }
        throw new RestoreException(
            e.getMessage() + "; database '" + plan.into().database() + "' was not touched", e);
      }
    } catch (SQLException e) {
      throw new RestoreException(
          "cannot prepare staging database '"
              + staging
              + "': "
              + PgErrors.firstLine(e.getMessage())
              + "; database '"
              + plan.into().database()
              + "' was not touched",
          e);
    }
  }

  private void swapIntoPlace(RestorePlan plan) {
    String database = plan.into().database();
    String old = database + OLD_SUFFIX;
    try (PgDatabases server = PgDatabases.connect(plan.into())) {
      if (server.exists(database)) {
        String owner = server.owner(database).orElse(null);
        server.drop(old);
        server.rename(database, old);
        server.rename(plan.staging(), database);
        if (owner != null) {
          server.setOwner(database, owner);
        }
        server.drop(old);
      } else {
        server.rename(plan.staging(), database);
      }
    } catch (SQLException e) {
      throw new RestoreException(
          "the restore is complete in '"
              + plan.staging()
              + "' but renaming it to '"
              + database
              + "' failed: "
              + PgErrors.firstLine(e.getMessage())
              + "; rename it by hand (ALTER DATABASE … RENAME) once the"
              + " sessions on '"
              + database
              + "' are closed",
          e);
    }
  }

  /**
   * pg_restore says nothing while it works: the staging database's size, polled every second, is
   * the progress line a person watching an outage needs. Silent when nobody watches.
   */
  private static final class SizeWatch implements AutoCloseable {
    private final java.util.concurrent.ScheduledExecutorService timer;

    SizeWatch(PgConnection server, String database, Progress.Task task) {
      timer =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "restore-progress");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleWithFixedDelay(
          () -> {
            try (Connection c = server.withDatabase("postgres").open();
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT pg_database_size(?)")) {
              ps.setString(1, database);
              try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  task.update(rs.getLong(1), -1);
                }
              }
            } catch (SQLException | RuntimeException e) {
              // progress is a courtesy; the restore itself reports real failures
            }
          },
          1,
          1,
          java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  static Map<String, Long> rowCounts(PgConnection db) throws SQLException {
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("SET row_security = off");
      return PgCatalog.rowCounts(c);
    }
  }

  /** Every table of either side, with the manifest's count and the one found. */
  public static List<RestoreResult.TableCount> compare(
      Map<String, Long> expected, Map<String, Long> actual) {
    List<RestoreResult.TableCount> result = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(actual.keySet());
    for (String t : names) {
      Long e = expected.get(t);
      Long a = actual.get(t);
      result.add(new RestoreResult.TableCount(t, e, a, e != null && e.equals(a)));
    }
    return result;
  }

  /**
   * Where the safety backup of {@code database} goes: the target itself, or {@code
   * target.database}.
   */
  Target safetyTarget(Target target, String database) {
    if (database.equals(target.connection().database())) {
      return target;
    }
    return config.target(target.name() + "." + database);
  }

  static int dumpMajor(Manifest manifest) {
    try {
      return Integer.parseInt(manifest.pgDumpVersion().split("\\.")[0]);
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
