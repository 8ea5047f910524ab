package dev.lifeboat.drill;

import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step {@code restore}: the roles of the backup's globals a separate drill server lacks, who
 * restores (a role without SUPERUSER when it can), then pg_restore into a fresh scratch database,
 * timed. A stop ends pg_restore's sessions; pg_restore then fails and the scratch database goes.
 */
final class RestoreStep implements StoppableWork.Work {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final DrillSessions sessions;
  private final LifeboatConfig config;
  private final Targets targets;
  private final PgBinaries pgBinaries;
  private final Keys keys;
  private final PgRestore pgRestore = new PgRestore(ProcessRunner.system());

  RestoreStep(
      DrillSessions sessions,
      LifeboatConfig config,
      Targets targets,
      PgBinaries pgBinaries,
      Keys keys) {
    this.sessions = sessions;
    this.config = config;
    this.targets = targets;
    this.pgBinaries = pgBinaries;
    this.keys = keys;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, StoppableWork.Stop stop)
      throws Exception {
    DrillSession drill = sessions.of(contribution);
    Target target = drill.target();
    PgDatabases server = drill.server();
    String scratch = drill.scratch();
    stop.onStop(() -> endSessions(drill.drillServer(), scratch));
    PgTool tool =
        pgBinaries.require("pg_restore", PgBinaries.serverMajor(server.serverVersionNum()));
    createMissingRoles(drill, server);
    LifeboatProperties.Restore settings = config.properties().restore();
    RestoreRole.Restorer restorer =
        RestoreRole.prepare(
            server,
            drill.drillServer(),
            scratch,
            drill.run(),
            drill.signed(),
            () -> pgRestore.list(tool, drill.archive(), settings.timeout()));
    drill.restorer(restorer);
    drill.check(DrillCheck.passed("restore role", restorer.detail()));
    long started = System.nanoTime();
    try {
      pgRestore.restore(
          tool,
          drill.archive(),
          restorer.into(scratch),
          settings.effectiveJobs(),
          !restorer.asDrillUser(),
          false,
          settings.timeout());
      LifeboatProperties.TargetProperties own = config.targetSettings(target.name());
      if (own != null && own.tenantIsolation() != null) {
        RestoreRole.grant(server.connection(), restorer, own.tenantIsolation().role());
      }
    } catch (RuntimeException e) {
      server.dropIfMarked(scratch, LifeboatDatabases.SCRATCH);
      drill.check(DrillCheck.failed("pg_restore", e.getMessage()));
      throw e;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    drill.restored(seconds);
    drill.check(
        DrillCheck.passed(
            "pg_restore",
            String.format(
                Locale.ROOT,
                "restored into %s with %d parallel jobs in %.1fs, no errors",
                scratch,
                settings.effectiveJobs(),
                seconds)));
    return RepeatStatus.FINISHED;
  }

  /**
   * A drill on its own server ({@code drill-url}, e.g. a brand-new one) first creates the roles of
   * the backup's globals that server lacks, so objects, grants and policies restore as on the
   * source; roles that exist are never altered, those it creates are marked and dropped after the
   * drill. The target's own server has them all already.
   */
  private void createMissingRoles(DrillSession drill, PgDatabases server) throws SQLException {
    Target target = drill.target();
    Manifest manifest = drill.manifest();
    if (!target.hasDrillServer() || manifest.globals() == null) {
      return;
    }
    List<Roles.Created> created =
        Roles.createForDrill(
            targets,
            keys.forTarget(target.name()),
            List.of(drill.store()),
            manifest.globals(),
            drill.drillServer().withDatabase(server.maintenanceDatabase()),
            drill.run());
    if (!created.isEmpty()) {
      drill.check(
          DrillCheck.passed(
              "roles",
              "created on the drill server from the backup's globals, without login,"
                  + " password, SUPERUSER, REPLICATION or BYPASSRLS, and dropped after the"
                  + " drill: "
                  + String.join(", ", created.stream().map(Roles.Created::describe).toList())));
    }
  }

  private static void endSessions(PgConnection server, String database) {
    try (PgDatabases s = PgDatabases.connect(server)) {
      s.disconnect(database);
    } catch (SQLException e) {
      // the drill then runs to its end; the shutdown waits for it as long as it may
      log.debug("could not end the sessions on {}: {}", database, e.getMessage());
    }
  }
}
