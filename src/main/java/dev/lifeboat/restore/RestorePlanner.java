package dev.lifeboat.restore;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
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
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.run.RestoreRequest;
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
 * Decides a restore before anything is touched (STYLE rule 6): which backup, which stores, which
 * databases it creates, drops or replaces, which roles it creates. Every refusal is a usage error
 * (exit 2) that says nothing was changed.
 */
@Component
final class RestorePlanner {

  static final String STAGING_SUFFIX = LifeboatDatabases.STAGING_SUFFIX;
  static final String OLD_SUFFIX = LifeboatDatabases.OLD_SUFFIX;

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;
  private final Targets targets;
  private final Keys keys;
  private final BackupCatalog catalog;
  private final ArchiveFetcher fetcher;
  private final ManifestSignatures signatures;

  RestorePlanner(
      LifeboatConfig config,
      PgBinaries pgBinaries,
      Targets targets,
      Keys keys,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    this.config = config;
    this.pgBinaries = pgBinaries;
    this.targets = targets;
    this.keys = keys;
    this.catalog = catalog;
    this.fetcher = fetcher;
    this.signatures = signatures;
  }

  /**
   * Decides everything without changing anything; refusals are usage errors (exit 2): among them a
   * backup whose manifest no trusted key signed ({@link ManifestSignatures}), and roles to create
   * with SUPERUSER, REPLICATION or BYPASSRLS without {@code createPrivilegedRoles}.
   */
  RestorePlan plan(Target target, RestoreRequest request) {
    String idOrLatest = request.backup();
    String database = request.into();
    boolean clean = request.clean();
    boolean createRoles = request.createRoles();
    LifeboatDatabases.checkInto(database, null);
    BackupCatalog.Entry entry = catalog.find(target, idOrLatest);
    Manifest manifest = entry.manifest();
    // a backup anyone with write access to a store could have made is refused before all else
    ManifestSignatures.Verdict signature =
        signatures.require(target, entry, request.allowUnsigned());
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
        if (!privileged.isEmpty() && !request.createPrivilegedRoles()) {
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
