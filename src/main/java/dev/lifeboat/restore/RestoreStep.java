package dev.lifeboat.restore;

import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.archive.RowCounts;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.RestoreRequest;
import dev.lifeboat.run.RestoreResult;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Carries a restore's plan out, in the job's one step: fetch and verify the archive, take a safety
 * backup of what would be replaced (through the {@link Door}), create the missing roles, restore
 * into a staging database, check the row counts against the manifest, and only then {@link Swap}
 * the staging database into place. Any failure before the swap leaves the destination exactly as it
 * was; a stop ends pg_restore's sessions and the staging database goes.
 */
@Component
final class RestoreStep {

  private static final Logger log = LoggerFactory.getLogger(RestoreStep.class);

  private final LifeboatConfig config;
  private final Targets targets;
  private final Keys keys;
  private final ArchiveFetcher fetcher;
  private final Door door;
  private final PgRestore pgRestore = new PgRestore(ProcessRunner.system());
  private final Progress progress;
  private final RestorePlanner planner;

  /** The plans the verb made before the job started, by the request they are for. */
  private final Map<RestoreRequest, RestorePlan> planned = new ConcurrentHashMap<>();

  RestoreStep(
      LifeboatConfig config,
      Targets targets,
      Keys keys,
      ArchiveFetcher fetcher,
      Door door,
      Progress progress,
      RestorePlanner planner) {
    this.config = config;
    this.targets = targets;
    this.keys = keys;
    this.fetcher = fetcher;
    this.door = door;
    this.progress = progress;
    this.planner = planner;
  }

  /** The plan the run of {@code request} carries out: the one confirmed before it started. */
  void expect(RestoreRequest request, RestorePlan plan) {
    planned.put(request, plan);
  }

  /** Drops a plan no run took (the job did not start). */
  void forget(RestoreRequest request) {
    planned.remove(request);
  }

  /** The step: the plan made before the job, or (in another process) the same planning again. */
  RestoreResult run(RestoreRequest request, Target target, StoppableWork.Stop stop) {
    RestorePlan plan = planned.remove(request);
    return execute(plan != null ? plan : planner.plan(target, request), stop);
  }

  /**
   * Carries the plan out; throws {@link RestoreException} whose message says which databases exist
   * afterwards and where the data is.
   */
  RestoreResult execute(RestorePlan plan, StoppableWork.Stop stop) {
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
      stopped(stop);
      List<Roles.Role> created = createRoles(plan);
      // a stop ends pg_restore's sessions: it fails, and the staging database is dropped
      stop.onStop(() -> endSessions(plan.into(), plan.staging()));
      List<RowCounts.TableCount> tables = restoreIntoStaging(plan, archive, stop);
      Swap.intoPlace(plan);
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
      skipped.forEach(s -> log.warn("membership not granted: {}", s));
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
      RestorePlan plan, ArchiveFetcher.Fetched archive, StoppableWork.Stop stop) {
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
        if (stop.requested()) {
          throw new RestoreException(
              "stopped on request; database '"
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
              log.debug("could not read the size of {}: {}", database, e.getMessage());
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

  /** Between phases: a stop requested meanwhile ends the run before the next phase touches more. */
  private static void stopped(StoppableWork.Stop stop) {
    if (stop.requested()) {
      throw new RestoreException("stopped on request; nothing was restored");
    }
  }

  private static void endSessions(PgConnection server, String database) {
    try (PgDatabases s = PgDatabases.connect(server)) {
      s.disconnect(database);
    } catch (SQLException e) {
      // pg_restore then runs to its end; the shutdown waits for it as long as it may
      log.debug("could not end the sessions on {}: {}", database, e.getMessage());
    }
  }
}
