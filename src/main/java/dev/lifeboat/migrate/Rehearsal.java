package dev.lifeboat.migrate;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.base.Jdbc;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgDump;
import dev.lifeboat.pg.PgDumpRun;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.DrillReport;
import dev.lifeboat.run.DrillRequest;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.target.Target;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * {@code migrate apply --dry-run}: the plan, then a rehearsal of it on a scratch database that
 * holds a schema-only copy of the target (or, with data, the latest backup restored by a kept
 * drill), timing each migration and recording the locks each statement takes. The target is only
 * read: its history table is read, never created.
 */
@Component
public final class Rehearsal {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.migrate");

  /** Scratch databases of rehearsals: not the drill's prefix, so a drill never takes them. */
  static final String PREFIX = "lifeboat_rehearsal_";

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;
  private final Migrations migrations;
  private final Door door;

  Rehearsal(LifeboatConfig config, PgBinaries pgBinaries, Migrations migrations, Door door) {
    this.config = config;
    this.pgBinaries = pgBinaries;
    this.migrations = migrations;
    this.door = door;
  }

  /** The plan of pending migrations, read from the target and the directory; touches nothing. */
  public List<RehearsalReport.Planned> plan(MigrationStatus status) {
    List<RehearsalReport.Planned> plan = new ArrayList<>();
    Path dir = Path.of(status.dir());
    for (MigrationStatus.Pending p : status.pending()) {
      Path file = dir.resolve(p.script());
      String sql;
      boolean inTransaction = true;
      try {
        sql = Files.readString(file, StandardCharsets.UTF_8);
        Path conf = dir.resolve(p.script() + ".conf");
        if (Files.exists(conf)) {
          inTransaction =
              !Files.readString(conf).replace(" ", "").contains("executeInTransaction=false");
        }
      } catch (IOException e) {
        throw new MigrationException("cannot read " + file + ": " + e.getMessage(), e);
      }
      plan.add(
          new RehearsalReport.Planned(
              p.version(), p.description(), p.script(), p.checksum(), inTransaction, sql));
    }
    return plan;
  }

  /**
   * Plans and rehearses; {@code withData} restores the latest backup instead of the schema. The
   * rehearsal runs on the drill server when the target has one ({@code drill-url}), else on the
   * target's own; cluster-wide statements are rolled back with one transaction, and one that no
   * transaction can undo is refused (exit 2) before anything is done.
   */
  /** A report of a rehearsal that did not start: no server, no scratch copy. */
  private static RehearsalReport notRehearsed(
      MigrateResult.Status status,
      Target target,
      List<RehearsalReport.Planned> plan,
      String error) {
    return new RehearsalReport(
        status.word(),
        target.name(),
        null,
        null,
        null,
        false,
        plan,
        null,
        List.of(),
        List.of(),
        List.of(),
        error);
  }

  public RehearsalReport run(Target target, boolean withData, Consumer<String> progress) {
    MigrationStatus status = migrations.status(target);
    if (!status.clean()) {
      MigrationStatus.Problem p = status.problems().get(0);
      return notRehearsed(
          MigrateResult.Status.REFUSED,
          target,
          List.of(),
          "refused: " + p.detail() + "; to fix: " + p.fix() + "; nothing was rehearsed");
    }
    List<RehearsalReport.Planned> plan = plan(status);
    if (plan.isEmpty()) {
      return notRehearsed(MigrateResult.Status.UP_TO_DATE, target, plan, null);
    }
    Containment containment = Containment.decide(plan);
    PgConnection server = target.drillServer();
    String where =
        target.hasDrillServer()
            ? "the drill server " + server.host() + ":" + server.port()
            : "the target's server";
    String scratch;
    String copy;
    String[] markKinds;
    List<String> leftovers = new ArrayList<>();
    try (PgDatabases databases = PgDatabases.connect(server)) {
      if (withData) {
        progress.accept(
            "restoring the latest backup of target '" + target.name() + "' (a kept drill)");
        DrillReport report =
            door.run(DrillRequest.typed(target.name(), "latest", true, false), Trigger.CLI);
        if (!report.kept()) {
          String why =
              report.checks().stream()
                  .filter(c -> !c.ok())
                  .map(c -> c.name() + ": " + c.detail())
                  .findFirst()
                  .orElse("the drill did not keep its database");
          return new RehearsalReport(
              RehearsalReport.FAILED,
              target.name(),
              where,
              "backup " + report.backup(),
              report.database(),
              true,
              plan,
              containment.from(),
              containment.statements(),
              List.of(),
              List.of(),
              "could not restore the latest backup to rehearse on: " + why);
        }
        scratch = report.database();
        copy = "backup " + report.backup();
        markKinds = new String[] {LifeboatDatabases.KEPT, LifeboatDatabases.SCRATCH};
      } else {
        scratch = PREFIX + LifeboatDatabases.newRun();
        copy = "schema-only";
        markKinds = new String[] {LifeboatDatabases.SCRATCH};
        if (target.hasDrillServer()) {
          leftovers.addAll(createPolicyRoles(target.connection(), databases.connection()));
        }
        progress.accept(
            "copying the schema of target '"
                + target.name()
                + "' into "
                + scratch
                + " on "
                + where);
        databases.createMarked(scratch, LifeboatDatabases.SCRATCH, "rehearsal");
      }
      boolean dropped = false;
      boolean passed = false;
      List<RehearsalReport.Rehearsed> rehearsed = List.of();
      String error;
      try {
        PgConnection scratchDb = server.withDatabase(scratch);
        if (!withData) {
          copySchema(databases, target.connection(), scratchDb);
        }
        copyHistory(target.connection(), scratchDb);
        Set<String> ignore = rehearsalDatabases(databases.connection(), scratch);
        ServerState before = ServerState.read(databases.connection(), ignore);
        progress.accept(
            "rehearsing "
                + plan.size()
                + " migration(s) on "
                + scratch
                + (containment.from() == null
                    ? ""
                    : " (from version "
                        + containment.from()
                        + " on in one transaction, rolled back at the end)"));
        rehearsed = rehearse(target, scratchDb, scratch, plan, containment);
        ignore.addAll(rehearsalDatabases(databases.connection(), scratch));
        List<String> changed =
            ServerState.read(databases.connection(), ignore).changesSince(before);
        passed =
            changed.isEmpty()
                && rehearsed.size() == plan.size()
                && rehearsed.stream().allMatch(RehearsalReport.Rehearsed::ok);
        error =
            rehearsed.stream()
                .filter(r -> !r.ok())
                .map(r -> r.script() + ": " + r.error())
                .findFirst()
                .orElse(null);
        if (!changed.isEmpty()) {
          error =
              (error == null ? "" : error + "; ")
                  + "the rehearsal changed "
                  + where
                  + " outside its scratch database (or another session did meanwhile): "
                  + String.join("; ", changed)
                  + "; undo that by hand, and rehearse on a drill server (drill-url)";
        }
        dropped = databases.dropIfMarked(scratch, markKinds) == PgDatabases.Drop.DROPPED;
        dropDrillRoles(databases, withData);
      } catch (RuntimeException | SQLException e) {
        passed = false;
        rehearsed = List.of();
        error = "could not prepare the rehearsal: " + Migrations.reason(e);
        dropped = databases.dropIfMarked(scratch, markKinds) == PgDatabases.Drop.DROPPED;
        dropDrillRoles(databases, withData);
      }
      return new RehearsalReport(
          passed ? RehearsalReport.PASSED : RehearsalReport.FAILED,
          target.name(),
          where,
          copy,
          scratch,
          dropped,
          plan,
          containment.from(),
          containment.statements(),
          rehearsed,
          leftovers,
          error);
    } catch (SQLException e) {
      throw new MigrationException(
          "cannot prepare a scratch database on "
              + where
              + " of target '"
              + target.name()
              + "': "
              + Migrations.reason(e),
          e);
    }
  }

  /** Databases of drills and rehearsals besides this one's: they come and go on their own. */
  private static Set<String> rehearsalDatabases(Connection c, String scratch) throws SQLException {
    Set<String> names = new LinkedHashSet<>();
    names.add(scratch);
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat\\_%'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /**
   * On a drill server, the roles the target's policies name must exist for its schema to load
   * (owners and grants are left out of the copy): those missing are created NOLOGIN, as a drill
   * creates a backup's roles there, and reported.
   */
  private static List<String> createPolicyRoles(PgConnection target, Connection drillServer)
      throws SQLException {
    List<String> needed;
    try (Connection c = target.open()) {
      needed =
          Jdbc.list(
              c,
              "SELECT DISTINCT r.rolname FROM pg_policy p, unnest(p.polroles) o(oid)"
                  + " JOIN pg_roles r ON r.oid = o.oid ORDER BY 1",
              rs -> rs.getString(1));
    }
    List<String> created = new ArrayList<>();
    for (String role : needed) {
      if (Jdbc.exists(drillServer, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
        continue;
      }
      try (Statement st = drillServer.createStatement()) {
        st.execute("CREATE ROLE " + PgCatalog.quote(role) + " NOLOGIN");
      }
      created.add(
          "role "
              + role
              + " (NOLOGIN), which the target's policies name, created on the drill server for"
              + " the schema copy");
    }
    return created;
  }

  /** The kept drill's roles (its restore role) go with its database. */
  private static void dropDrillRoles(PgDatabases databases, boolean withData) {
    if (!withData) {
      return;
    }
    try {
      dev.lifeboat.archive.Roles.dropDrillRoles(databases.connection());
    } catch (SQLException e) {
      // the next drill on this server drops them
      org.slf4j.LoggerFactory.getLogger("lifeboat.migrate")
          .warn("could not drop the kept drill's roles: {}", e.getMessage());
    }
  }

  /** pg_dump --schema-only of the target, restored into the scratch database. */
  private void copySchema(PgDatabases databases, PgConnection from, PgConnection into)
      throws SQLException {
    int major = PgBinaries.serverMajor(databases.serverVersionNum());
    PgTool pgDump = pgBinaries.require("pg_dump", major);
    PgTool pgRestore = pgBinaries.require("pg_restore", major);
    Path spool = config.properties().spool().toAbsolutePath();
    Path file = null;
    try {
      Files.createDirectories(spool);
      file = Files.createTempFile(spool, "rehearsal-schema.", ".pgdump");
      try (PgDumpRun dump =
              new PgDump(ProcessRunner.system())
                  .start(pgDump, from, null, List.of("--schema-only"));
          InputStream in = dump.output()) {
        Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        dump.finish();
      }
      new PgRestore(ProcessRunner.system())
          .restore(pgRestore, file, into, 1, true, true, config.properties().restore().timeout());
    } catch (IOException e) {
      throw new MigrationException("cannot copy the schema: " + e.getMessage(), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // a leftover temporary file in the spool; the next start's cleanup may take it
          log.debug("could not delete {}: {}", file, e.getMessage());
        }
      }
    }
  }

  /** The target's history rows, so the scratch copy knows what is applied. */
  private static void copyHistory(PgConnection from, PgConnection into) throws SQLException {
    String table = Migrations.HISTORY;
    try (Connection source = from.open();
        Connection target = into.open()) {
      if (!exists(source, table)) {
        return;
      }
      String columns =
          "installed_rank, version, description, type, script, checksum, installed_by,"
              + " installed_on, execution_time, success";
      try (Statement st = target.createStatement()) {
        st.execute("DELETE FROM " + table);
      }
      try (Statement st = source.createStatement();
          ResultSet rs = st.executeQuery("SELECT " + columns + " FROM " + table);
          PreparedStatement insert =
              target.prepareStatement(
                  "INSERT INTO "
                      + table
                      + " ("
                      + columns
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        while (rs.next()) {
          for (int i = 1; i <= 10; i++) {
            insert.setObject(i, rs.getObject(i));
          }
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
  }

  private static boolean exists(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Runs the plan on the scratch database with Flyway, watching every statement. Statements that
   * name the target's database name the scratch copy instead. With a {@code containment}, the
   * migrations before its first version commit one by one, and from it on all run in one
   * transaction that is rolled back after the last one.
   */
  private List<RehearsalReport.Rehearsed> rehearse(
      Target target,
      PgConnection scratch,
      String scratchName,
      List<RehearsalReport.Planned> plan,
      Containment containment) {
    Watcher watcher = new Watcher(plan, containment.from());
    Target onScratch = new Target(target.name(), scratch, target.stores(), null);
    Path dir = migrations.dir(target);
    Path copy = null;
    try {
      copy = renamedCopy(dir, plan, target.connection().database(), scratchName);
      Path location = copy == null ? dir : copy;
      if (containment.from() == null) {
        migrations.flyway(onScratch, location, c -> c, watcher).migrate();
      } else {
        String before = null;
        for (RehearsalReport.Planned p : plan) {
          if (p.version().equals(containment.from())) {
            break;
          }
          before = p.version();
        }
        if (before != null) {
          String upTo = before;
          migrations.flyway(onScratch, location, c -> c.target(upTo), watcher).migrate();
        }
        try {
          migrations.flyway(onScratch, location, c -> c.group(true), watcher).migrate();
        } catch (FlywayException e) {
          if (!watcher.rolledBack) {
            throw e;
          }
        }
      }
    } catch (FlywayMigrateException e) {
      String message = dev.lifeboat.pg.PgErrors.firstLine(Migrations.sqlMessage(e));
      watcher.failed(
          e.getMigration(),
          (e.getLineNumber() > 0 ? "line " + e.getLineNumber() + ": " : "") + message);
    } catch (FlywayException e) {
      watcher.failed(null, Migrations.reason(e));
    } catch (IOException e) {
      watcher.failed(null, "cannot copy the migrations to rehearse them: " + e.getMessage());
    } finally {
      deleteTree(copy);
    }
    if (containment.from() != null && !watcher.rolledBack && watcher.allOk()) {
      // every migration ran but the transaction was not seen to roll back: say so, never pass
      watcher.failed(null, "the rehearsal's transaction was not rolled back as planned");
    }
    return watcher.results();
  }

  /**
   * A copy of the migration directory in the spool whose pending files name {@code scratch}
   * wherever they name {@code database} as a database; null when no file names it.
   */
  private Path renamedCopy(
      Path dir, List<RehearsalReport.Planned> plan, String database, String scratch)
      throws IOException {
    Map<String, String> renamed = new LinkedHashMap<>();
    for (RehearsalReport.Planned p : plan) {
      String sql = SqlScript.renameDatabase(p.sql(), database, scratch);
      if (!sql.equals(p.sql())) {
        renamed.put(p.script(), sql);
      }
    }
    if (renamed.isEmpty()) {
      return null;
    }
    Path spool = config.properties().spool().toAbsolutePath();
    Files.createDirectories(spool);
    Path copy = Files.createTempDirectory(spool, "rehearsal-migrations.");
    try (var files = Files.walk(dir)) {
      for (Path f : files.toList()) {
        Path to = copy.resolve(dir.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else if (renamed.containsKey(f.getFileName().toString()) && f.getParent().equals(dir)) {
          Files.writeString(to, renamed.get(f.getFileName().toString()), StandardCharsets.UTF_8);
        } else {
          Files.copy(f, to);
        }
      }
    }
    return copy;
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // a leftover copy in the spool; the next start's cleanup may take it
      log.debug("could not delete {}: {}", dir, e.getMessage());
    }
  }

  /** A Flyway callback that times each migration and reads pg_locks after each statement. */
  private static final class Watcher implements Callback {
    private final Map<String, RehearsalReport.Planned> planned = new LinkedHashMap<>();
    private final List<RehearsalReport.Rehearsed> results = new ArrayList<>();
    private List<RehearsalReport.StatementLocks> statements = new ArrayList<>();
    private Set<String> held = new LinkedHashSet<>();
    private long started;
    private String current;
    private final String groupFrom;
    private final String last;
    private boolean inGroup;
    boolean rolledBack;

    Watcher(List<RehearsalReport.Planned> plan, String groupFrom) {
      plan.forEach(p -> planned.put(p.version(), p));
      this.groupFrom = groupFrom;
      this.last = plan.isEmpty() ? null : plan.get(plan.size() - 1).version();
    }

    boolean allOk() {
      return results.stream().allMatch(RehearsalReport.Rehearsed::ok);
    }

    @Override
    public boolean supports(Event event, Context context) {
      return event == Event.BEFORE_EACH_MIGRATE
          || event == Event.AFTER_EACH_MIGRATE
          || event == Event.AFTER_EACH_MIGRATE_STATEMENT;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
      return true;
    }

    @Override
    public void handle(Event event, Context context) {
      MigrationInfo m = context.getMigrationInfo();
      switch (event) {
        case BEFORE_EACH_MIGRATE -> {
          current = m == null || m.getVersion() == null ? null : m.getVersion().getVersion();
          statements = new ArrayList<>();
          if (current != null && current.equals(groupFrom)) {
            inGroup = true;
          }
          // in one transaction the locks of the migrations before stay held: not listed again
          if (!inGroup || current == null || current.equals(groupFrom)) {
            held = new LinkedHashSet<>();
          }
          started = System.nanoTime();
        }
        case AFTER_EACH_MIGRATE_STATEMENT -> {
          String sql = context.getStatement() == null ? "" : context.getStatement().getSql();
          List<String> added = new ArrayList<>();
          if (inTransaction()) {
            for (String lock : locks(context.getConnection())) {
              if (held.add(lock)) {
                added.add(lock);
              }
            }
          }
          statements.add(new RehearsalReport.StatementLocks(shorten(sql), added));
        }
        case AFTER_EACH_MIGRATE -> {
          RehearsalReport.Planned p = planned.get(current);
          results.add(
              new RehearsalReport.Rehearsed(
                  current,
                  p == null ? (m == null ? null : m.getScript()) : p.script(),
                  true,
                  (System.nanoTime() - started) / 1_000_000,
                  null,
                  inTransaction(),
                  List.copyOf(statements)));
          String done = current;
          current = null;
          if (inGroup && done != null && done.equals(last)) {
            // throwing here, inside the group's transaction, makes Flyway roll all of it back
            rolledBack = true;
            throw new FlywayException(
                "rehearsal finished: rolling back its transaction (roles, database settings)");
          }
        }
        default -> {}
      }
    }

    private boolean inTransaction() {
      RehearsalReport.Planned p = planned.get(current);
      return p == null || p.inTransaction();
    }

    void failed(MigrationInfo m, String error) {
      rolledBack = false;
      String version =
          current != null
              ? current
              : m == null || m.getVersion() == null ? null : m.getVersion().getVersion();
      RehearsalReport.Planned p = planned.get(version);
      results.add(
          new RehearsalReport.Rehearsed(
              version,
              p != null ? p.script() : m == null ? null : m.getScript(),
              false,
              started == 0 ? 0 : (System.nanoTime() - started) / 1_000_000,
              error,
              inTransaction(),
              List.copyOf(statements)));
    }

    List<RehearsalReport.Rehearsed> results() {
      return List.copyOf(results);
    }

    @Override
    public String getCallbackName() {
      return "lifeboat-rehearsal";
    }

    /** The relation locks this session holds now, as {@code Mode on relation}. */
    private static List<String> locks(Connection c) {
      try {
        return Jdbc.list(
            c,
            "SELECT l.mode || ' on ' || l.relation::regclass::text"
                + " FROM pg_locks l JOIN pg_class r ON r.oid = l.relation"
                + " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'"
                + " AND r.relnamespace <> 'pg_catalog'::regnamespace"
                // the history table and its indexes: Flyway's own rows, not the file's
                + " AND r.oid IS DISTINCT FROM to_regclass('"
                + Migrations.HISTORY
                + "') AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = r.oid"
                + " AND i.indrelid = to_regclass('"
                + Migrations.HISTORY
                + "')) ORDER BY 1",
            rs -> rs.getString(1));
      } catch (SQLException e) {
        return List.of("(pg_locks unreadable: " + e.getMessage() + ")");
      }
    }

    private static String shorten(String sql) {
      // leading comment lines (a migration's header) say nothing about the statement
      String one = sql.replaceAll("(?m)^\\s*--.*$", "").strip().replaceAll("\\s+", " ");
      return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }
  }
}
