package dev.lifeboat.restore;

import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.archive.RowCounts;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Restores a backup into a database on the target's server: plan first, then fetch and verify the
 * archive, take a safety backup of what would be replaced, restore into a staging database, check
 * the row counts against the manifest, and only then rename the staging database into place. Any
 * failure before the rename leaves the destination exactly as it was. It drops only databases it
 * marked as its own ({@link LifeboatDatabases}); a name it needs that is taken by any other
 * database is refused before anything starts.
 */
@Component
public final class Restore {

  static final String STAGING_SUFFIX = LifeboatDatabases.STAGING_SUFFIX;
  static final String OLD_SUFFIX = LifeboatDatabases.OLD_SUFFIX;

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;
  private final Targets targets;
  private final Keys keys;
  private final BackupCatalog catalog;
  private final ArchiveFetcher fetcher;
  private final Door door;
  private final PgRestore pgRestore = new PgRestore();
  private final Progress progress;
  private final ManifestSignatures signatures;

  Restore(
      LifeboatConfig config,
      PgBinaries pgBinaries,
      Targets targets,
      Keys keys,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      Door door,
      Progress progress,
      ManifestSignatures signatures) {
    this.progress = progress;
    this.signatures = signatures;
    this.config = config;
    this.pgBinaries = pgBinaries;
    this.targets = targets;
    this.keys = keys;
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.door = door;
  }

  /** Decides everything without changing anything; refusals are usage errors (exit 2). */
  public RestorePlan plan(Target target, String idOrLatest, String database, boolean clean) {
    return plan(target, idOrLatest, database, clean, false);
  }

  /**
   * What a restore may do beyond the default: replace a database with tables ({@code clean}),
   * create the roles the server lacks ({@code createRoles}), among them ones with SUPERUSER,
   * REPLICATION or BYPASSRLS ({@code createPrivilegedRoles}), use a backup no trusted key signed
   * ({@code allowUnsigned}).
   */
  public record Options(
      boolean clean, boolean createRoles, boolean createPrivilegedRoles, boolean allowUnsigned) {}

  /**
   * As {@link #plan(Target, String, String, boolean)}; with {@code createRoles} the roles of the
   * backup's globals missing on the server are created before pg_restore, without it their absence
   * is refused up front, naming them.
   */
  public RestorePlan plan(
      Target target, String idOrLatest, String database, boolean clean, boolean createRoles) {
    return plan(target, idOrLatest, database, new Options(clean, createRoles, false, false));
  }

  /**
   * Decides everything without changing anything; refusals are usage errors (exit 2): among them a
   * backup whose manifest no trusted key signed ({@link ManifestSignatures}), and roles to create
   * with SUPERUSER, REPLICATION or BYPASSRLS without {@code createPrivilegedRoles}.
   */
  public RestorePlan plan(Target target, String idOrLatest, String database, Options options) {
    boolean clean = options.clean();
    boolean createRoles = options.createRoles();
    LifeboatDatabases.checkInto(database, null);
    BackupCatalog.Entry entry = catalog.find(target, idOrLatest);
    Manifest manifest = entry.manifest();
    // a backup anyone with write access to a store could have made is refused before all else
    ManifestSignatures.Verdict signature =
        signatures.require(target, entry, options.allowUnsigned());
    PgConnection into = target.connection().withDatabase(database);
    String staging = database + STAGING_SUFFIX;
    String old = database + OLD_SUFFIX;
    try (PgDatabases server = PgDatabases.connect(target.connection())) {
      LifeboatDatabases.checkInto(database, server.maintenanceDatabase());
      Optional<PgDatabases.Found> found = server.find(database);
      boolean exists = found.isPresent();
      if (exists && found.get().template()) {
        throw new ConfigException(
            "--into",
            "database '"
                + database
                + "' is a template database (datistemplate); restore --into a database of your"
                + " own; nothing was changed");
      }
      List<String> leftovers = new ArrayList<>();
      if (leftover(
          server,
          staging,
          LifeboatDatabases.STAGING,
          "database '"
              + staging
              + "' exists but Lifeboat did not create it (it carries no lifeboat mark) and a"
              + " restore into '"
              + database
              + "' needs that name for staging; rename or drop it by hand (it may hold a"
              + " restore whose rename failed), or restore --into another name; nothing was"
              + " changed")) {
        leftovers.add(staging);
      }
      if (leftover(
          server,
          old,
          LifeboatDatabases.OLD,
          "database '"
              + old
              + "' exists but Lifeboat did not mark it as its own and a restore into '"
              + database
              + "' needs that name; it may hold the previous data of '"
              + database
              + "' from an interrupted restore: rename it back or drop it by hand, or restore"
              + " --into another name; nothing was changed")) {
        leftovers.add(old);
      }
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
      PgTool tool = pgBinaries.require("pg_restore", Math.max(serverMajor, dumpMajor(manifest)));
      Target safety = userTables > 0 ? safetyTarget(target, database) : null;
      ArchiveFetcher.SpoolSpace spool = fetcher.checkSpace(manifest);
      // a missing or wrong identity is a refusal before anything is touched
      fetcher.requireIdentity(target, entry);
      List<Roles.Role> missingRoles = List.of();
      if (manifest.globals() != null) {
        String globals =
            Roles.read(
                targets,
                keys.forTarget(target.name()),
                ArchiveFetcher.order(target, entry),
                manifest.globals());
        Map<String, Roles.Role> roles = Roles.roles(globals);
        try (Connection c = target.connection().withDatabase(server.maintenanceDatabase()).open()) {
          missingRoles = Roles.missing(c, roles.keySet()).stream().map(roles::get).toList();
        }
        if (!missingRoles.isEmpty() && !createRoles) {
          throw new ConfigException(
              "--create-roles",
              "roles "
                  + missingRoles.stream().map(Roles.Role::name).toList()
                  + " of the backed-up server do not exist on "
                  + into.host()
                  + ":"
                  + into.port()
                  + ", so the restore would fail on the first object, grant or policy that names"
                  + " one; add --create-roles to create them from the backup's globals (roles"
                  + " that exist are never altered); nothing was changed");
        }
        List<Roles.Role> privileged =
            missingRoles.stream().filter(r -> !r.privileged().isEmpty()).toList();
        if (!privileged.isEmpty() && !options.createPrivilegedRoles()) {
          throw new ConfigException(
              "--create-privileged-roles",
              "--create-roles would create "
                  + String.join(", ", privileged.stream().map(Roles.Role::describe).toList())
                  + " from the backup's globals on "
                  + into.host()
                  + ":"
                  + into.port()
                  + "; SUPERUSER, REPLICATION and BYPASSRLS are given only with"
                  + " --create-privileged-roles: add it if the new server needs them so, or create"
                  + " those roles by hand first; nothing was changed");
        }
      }
      return new RestorePlan(
          target,
          entry,
          ArchiveFetcher.order(target, entry),
          into,
          exists,
          userTables,
          clean,
          safety,
          staging,
          old,
          leftovers,
          LifeboatDatabases.newRun(),
          spool,
          tool,
          config.properties().restore().effectiveJobs(),
          missingRoles,
          signature);
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
   * Carries the plan out; throws {@link RestoreException} whose message says which databases exist
   * afterwards and where the data is.
   */
  public RestoreResult execute(RestorePlan plan) {
    Manifest manifest = plan.backup().manifest();
    long started = System.nanoTime();
    try (ArchiveFetcher.Fetched archive = fetcher.fetch(plan.target(), plan.backup())) {
      String safetyId = null;
      if (plan.safetyBackupTarget() != null) {
        BackupResult safety =
            door.run(
                new BackupRequest(plan.safetyBackupTarget().name(), "pre-restore"), Trigger.CLI);
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
      List<Roles.Role> created = createRoles(plan);
      List<RowCounts.TableCount> tables = restoreIntoStaging(plan, archive);
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
          null,
          created.stream().map(Roles.Role::name).toList(),
          created.stream()
              .map(r -> new RestoreResult.CreatedRole(r.name(), r.attributes()))
              .toList(),
          plan.signature().describe());
    }
  }

  /** The plan's missing roles, created from the backup's globals; the ones really created. */
  private List<Roles.Role> createRoles(RestorePlan plan) {
    if (plan.rolesToCreate() == null || plan.rolesToCreate().isEmpty()) {
      return List.of();
    }
    List<String> names = plan.rolesToCreate().stream().map(Roles.Role::name).toList();
    String globals =
        Roles.read(
            targets,
            keys.forTarget(plan.target().name()),
            plan.stores(),
            plan.backup().manifest().globals());
    List<String> skipped = new ArrayList<>();
    try (PgDatabases server = PgDatabases.connect(plan.into());
        Connection c = plan.into().withDatabase(server.maintenanceDatabase()).open()) {
      List<String> created = Roles.create(c, globals, names, skipped);
      skipped.forEach(
          s ->
              org.slf4j.LoggerFactory.getLogger(Restore.class)
                  .warn("membership not granted: {}", s));
      return plan.rolesToCreate().stream().filter(r -> created.contains(r.name())).toList();
    } catch (SQLException e) {
      throw new RestoreException(
          "cannot create the missing roles "
              + names
              + ": "
              + PgErrors.firstLine(e.getMessage())
              + "; nothing was restored");
    }
  }

  private List<RowCounts.TableCount> restoreIntoStaging(
      RestorePlan plan, ArchiveFetcher.Fetched archive) {
    String staging = plan.staging();
    String database = plan.into().database();
    PgConnection stagingConnection = plan.into().withDatabase(staging);
    try (PgDatabases server = PgDatabases.connect(plan.into())) {
      for (String leftover : plan.leftovers()) {
        // marked by a restore that did not finish: Lifeboat's own, and in the plan
        if (server.dropIfMarked(leftover, LifeboatDatabases.STAGING, LifeboatDatabases.OLD)
            == PgDatabases.Drop.NOT_MARKED) {
          throw new RestoreException(
              "database '"
                  + leftover
                  + "' no longer carries the lifeboat mark it had when the restore was planned;"
                  + " it was left alone, nothing was restored and '"
                  + database
                  + "' was not touched");
        }
      }
      server.createMarked(staging, LifeboatDatabases.STAGING, plan.run());
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
        List<RowCounts.TableCount> tables =
            RowCounts.compare(plan.backup().manifest().tables(), RowCounts.of(stagingConnection));
        List<String> wrong =
            tables.stream().filter(t -> !t.ok()).map(RowCounts.TableCount::table).toList();
        if (!wrong.isEmpty()) {
          throw new RestoreException(
              "row counts after pg_restore differ from the manifest in "
                  + wrong
                  + "; database '"
                  + database
                  + "' was not touched and "
                  + dropStaging(server, staging));
        }
        return tables;
      } catch (SQLException | RuntimeException e) {
        if (e instanceof RestoreException || e instanceof ArchiveException) {
          throw (RuntimeException) e;
        }
        throw new RestoreException(
            e.getMessage()
                + "; database '"
                + database
                + "' was not touched and "
                + dropStaging(server, staging),
            e);
      }
    } catch (SQLException e) {
      throw new RestoreException(
          "cannot prepare staging database '"
              + staging
              + "': "
              + PgErrors.firstLine(e.getMessage())
              + "; database '"
              + database
              + "' was not touched",
          e);
    }
  }

  /** Drops this run's staging database; returns what became of it, for the failure message. */
  /**
   * Whether {@code name} is on the server as a leftover Lifeboat marked {@code kind} (a restore may
   * reuse it); one Lifeboat did not mark is refused with {@code refusal}.
   */
  private static boolean leftover(PgDatabases server, String name, String kind, String refusal)
      throws SQLException {
    if (server.find(name).isEmpty()) {
      return false;
    }
    if (!server.isMarked(name, kind)) {
      throw new ConfigException("--into", refusal);
    }
    return true;
  }

  private static String dropStaging(PgDatabases server, String staging) {
    try {
      server.dropIfMarked(staging, LifeboatDatabases.STAGING);
      return server.exists(staging)
          ? "the staging database '" + staging + "' is still there"
          : "the staging database '" + staging + "' was dropped";
    } catch (SQLException e) {
      return "the staging database '"
          + staging
          + "' could not be dropped ("
          + PgErrors.firstLine(e.getMessage())
          + "); the next restore into the same database drops it";
    }
  }

  /**
   * Renames the staging database into place. The destination's previous data moves to {@code
   * <db>_lbold}, unmarked, and is marked (then dropped) only once the restored data holds the
   * destination's name: a crash in between leaves it for the operator, never for a later DROP.
   */
  private void swapIntoPlace(RestorePlan plan) {
    String database = plan.into().database();
    String staging = plan.staging();
    String old = plan.old();
    try (PgDatabases server = PgDatabases.connect(plan.into())) {
      Optional<PgDatabases.Found> destination;
      String owner = null;
      try {
        destination = server.find(database);
        if (destination.isPresent()) {
          owner = server.owner(database).orElse(null);
          if (server.dropIfMarked(old, LifeboatDatabases.OLD) == PgDatabases.Drop.NOT_MARKED) {
            throw new SQLException("database '" + old + "' was created meanwhile by someone else");
          }
          server.rename(database, old);
        }
      } catch (SQLException e) {
        throw new RestoreException(
            "renaming '"
                + database
                + "' to '"
                + old
                + "' failed: "
                + PgErrors.firstLine(e.getMessage())
                + "; '"
                + database
                + "' is unchanged and the restored data is in '"
                + staging
                + "'"
                + keepStaging(server, plan)
                + "; rename it into place by hand once the sessions on '"
                + database
                + "' are closed, or drop it ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
      boolean replaced = destination.isPresent();
      try {
        server.rename(staging, database);
      } catch (SQLException e) {
        String putBack = replaced ? putBack(server, old, database) : null;
        throw new RestoreException(
            "renaming '"
                + staging
                + "' to '"
                + database
                + "' failed: "
                + PgErrors.firstLine(e.getMessage())
                + (!replaced
                    ? "; '" + database + "' was not created"
                    : putBack == null
                        ? "; '" + database + "' is unchanged (its data was renamed back)"
                        : "; '"
                            + database
                            + "' does not exist now: its previous data is in '"
                            + old
                            + "' (renaming it back failed: "
                            + putBack
                            + ")")
                + " and the restored data is in '"
                + staging
                + "'"
                + keepStaging(server, plan)
                + "; rename by hand ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
      try {
        // a rename keeps the comment: give back the destination's own, so no mark stays on it
        server.comment(database, destination.map(PgDatabases.Found::comment).orElse(null));
        if (owner != null) {
          server.setOwner(database, owner);
        }
        if (replaced) {
          server.mark(old, LifeboatDatabases.OLD, plan.run());
          server.dropIfMarked(old, LifeboatDatabases.OLD);
        }
      } catch (SQLException e) {
        throw new RestoreException(
            "the restored data is in place in '"
                + database
                + "' but finishing the swap failed: "
                + PgErrors.firstLine(e.getMessage())
                + (replaced
                    ? "; drop '" + old + "', which holds the previous data, by hand"
                    : "; check its owner and comment")
                + " ("
                + stateOf(server, database, staging, old)
                + ")",
            e);
      }
    } catch (SQLException e) {
      throw new RestoreException(
          "cannot connect to swap the restored data into place: "
              + PgErrors.firstLine(e.getMessage())
              + "; '"
              + database
              + "' is unchanged and the restored data is in '"
              + staging
              + "' (marked: the next restore into '"
              + database
              + "' drops it)",
          e);
    }
  }

  /** Renames the previous data back; null when done, else why not. */
  private static String putBack(PgDatabases server, String old, String database) {
    try {
      server.rename(old, database);
      return null;
    } catch (SQLException e) {
      return PgErrors.firstLine(e.getMessage());
    }
  }

  /**
   * The staging database holds a complete restore the operator is told about: take Lifeboat's mark
   * off it, so no later run drops it.
   */
  private static String keepStaging(PgDatabases server, RestorePlan plan) {
    try {
      server.comment(
          plan.staging(),
          "restored by Lifeboat run "
              + plan.run()
              + " from backup "
              + plan.backup().manifest().id()
              + ", kept after a failed rename; Lifeboat will not drop it");
      return ", which Lifeboat will not drop";
    } catch (SQLException e) {
      return " (still marked: the next restore into '" + plan.into().database() + "' drops it)";
    }
  }

  /** Which of {@code names} exist, read from the server now rather than assumed. */
  private static String stateOf(PgDatabases server, String... names) {
    List<String> parts = new ArrayList<>();
    for (String name : names) {
      try {
        parts.add("'" + name + "' " + (server.exists(name) ? "exists" : "does not exist"));
      } catch (SQLException e) {
        parts.add("'" + name + "' unknown");
      }
    }
    return "now " + String.join(", ", parts);
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
              org.slf4j.LoggerFactory.getLogger(Restore.class)
                  .debug("could not read the size of {}: {}", database, e.getMessage());
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

  /**
   * Where the safety backup of {@code database} goes: the target itself, or {@code
   * target.database}.
   */
  Target safetyTarget(Target target, String database) {
    if (database.equals(target.connection().database())) {
      return target;
    }
    return targets.resolve(target.name() + "." + database);
  }

  static int dumpMajor(Manifest manifest) {
    try {
      return Integer.parseInt(manifest.pgDumpVersion().split("\\.")[0]);
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
