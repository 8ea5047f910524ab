package dev.lifeboat.doctor;

import dev.lifeboat.archive.TenantIsolation;
import dev.lifeboat.archive.TenantIsolation.TenantTable;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.PgToolNotFoundException;
import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.run.History;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Each target: its server (version, the pg_dump and pg_restore chosen for it, the role's
 * privileges, row-level security of tenant tables), its newest complete backup against the backup
 * schedule, and its last drill.
 */
@Component
@Order(4)
final class TargetsCheck extends DoctorCheck {

  /** Bounds on one connection, well inside the doctor's deadline. */
  static final int LOGIN_TIMEOUT_SECONDS = 6;

  static final int SOCKET_TIMEOUT_SECONDS = 8;

  /** Without a backup schedule, a newest backup older than this is a warning. */
  static final Duration UNSCHEDULED_AGE = Duration.ofHours(25);

  private final LifeboatConfig config;
  private final Targets targets;
  private final PgBinaries pgBinaries;
  private final BackupCatalog catalog;
  private final History history;
  private final Clock clock;

  TargetsCheck(
      LifeboatConfig config,
      Targets targets,
      PgBinaries pgBinaries,
      BackupCatalog catalog,
      History history,
      Clock clock) {
    super("targets");
    this.config = config;
    this.targets = targets;
    this.pgBinaries = pgBinaries;
    this.catalog = catalog;
    this.history = history;
    this.clock = clock;
  }

  @Override
  public List<Probe> probes() {
    List<Probe> probes = new ArrayList<>();
    for (String t : config.properties().targets().keySet()) {
      probes.add(Probe.ofTarget("target " + t, targets, t, this::server));
      probes.add(Probe.ofTarget("target " + t + " backups", targets, t, this::backups));
      probes.add(new Probe("target " + t + " drill", () -> List.of(lastDrill(t))));
    }
    return probes;
  }

  private List<Finding> server(String label, Target target) {
    List<Finding> findings = new ArrayList<>();
    String name = target.name();
    PgConnection pg = target.connection();
    Map<String, String> params = new HashMap<>(pg.params());
    params.put("loginTimeout", String.valueOf(LOGIN_TIMEOUT_SECONDS));
    params.put("socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS));
    PgConnection bounded =
        new PgConnection(pg.host(), pg.port(), pg.database(), pg.user(), pg.password(), params);
    try (Connection c = bounded.open();
        Statement st = c.createStatement()) {
      int versionNum;
      String version;
      boolean superuser;
      boolean bypassRls;
      boolean createDb;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT current_setting('server_version_num')::int,"
                  + " current_setting('server_version'), r.rolsuper, r.rolbypassrls,"
                  + " r.rolcreatedb FROM pg_roles r WHERE r.rolname = current_user")) {
        rs.next();
        versionNum = rs.getInt(1);
        version = rs.getString(2);
        superuser = rs.getBoolean(3);
        bypassRls = rs.getBoolean(4);
        createDb = rs.getBoolean(5);
      }
      int major = PgBinaries.serverMajor(versionNum);
      findings.add(
          Finding.ok(
              label,
              "PostgreSQL "
                  + version
                  + " at "
                  + pg.host()
                  + ":"
                  + pg.port()
                  + "/"
                  + pg.database()
                  + " as "
                  + pg.user()));
      findings.addAll(tools(label, major));
      findings.add(privileges(label, c, pg.user(), superuser, bypassRls, createDb));
      findings.addAll(rls(label, c, tenantColumn(name), tenantSetting(name), tenantRole(name)));
    } catch (SQLException e) {
      findings.add(Finding.fail(label, "cannot connect: " + PgErrors.firstLine(e.getMessage())));
    }
    return findings;
  }

  private List<Finding> tools(String label, int major) {
    List<Finding> findings = new ArrayList<>();
    for (String tool : List.of("pg_dump", "pg_restore")) {
      try {
        PgTool chosen = pgBinaries.require(tool, major);
        findings.add(
            Finding.ok(
                label + " " + tool,
                tool
                    + " "
                    + chosen.version()
                    + " ("
                    + chosen.path()
                    + ") for server major "
                    + major));
      } catch (PgToolNotFoundException e) {
        findings.add(Finding.fail(label + " " + tool, e.getMessage()));
      }
    }
    return findings;
  }

  static Finding privileges(
      String label,
      Connection c,
      String user,
      boolean superuser,
      boolean bypassRls,
      boolean createDb)
      throws SQLException {
    String name = label + " privileges";
    if (superuser) {
      return Finding.ok(name, "role " + user + " is a superuser");
    }
    List<String> problems = new ArrayList<>();
    CheckStatus status = CheckStatus.OK;
    if (!bypassRls) {
      status = CheckStatus.FAIL;
      problems.add(
          "role "
              + user
              + " has neither SUPERUSER nor BYPASSRLS: pg_dump fails on tables with row-level"
              + " security; ALTER ROLE "
              + user
              + " BYPASSRLS");
    }
    if (!createDb) {
      status = status.and(CheckStatus.WARN);
      problems.add("no CREATEDB: restores and drills on this server cannot create their database");
    }
    long foreign;
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
                    + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    + " AND n.nspname NOT LIKE 'pg\\_%'"
                    + " AND NOT pg_has_role(current_user, c.relowner, 'USAGE')")) {
      rs.next();
      foreign = rs.getLong(1);
    }
    if (foreign > 0) {
      status = status.and(CheckStatus.WARN);
      problems.add(
          "does not own "
              + foreign
              + " relations: a restore as this role cannot give them their owners back");
    }
    return problems.isEmpty()
        ? Finding.ok(name, "role " + user + ": BYPASSRLS, CREATEDB, owns every relation")
        : new Finding(name, status, String.join("; ", problems));
  }

  /**
   * Row-level security of the tenant tables: enabled, with a policy, forced, and every permissive
   * policy that lets the application role in reads the tenant {@code setting} (a {@code USING
   * (true)} policy isolates nothing). A second finding, a warning, when a policy casts the setting
   * without {@code nullif}.
   */
  static List<Finding> rls(String label, Connection c, String column, String setting, String role)
      throws SQLException {
    String name = label + " rls";
    List<TenantTable> tables = TenantIsolation.tenantTables(c, column);
    if (tables.isEmpty()) {
      return List.of(Finding.ok(name, "no table has the tenant column '" + column + "'"));
    }
    TenantPolicies policies =
        TenantPolicies.read(c, tables.stream().map(TenantTable::table).toList(), role);
    List<String> leaking = policies.leaking(setting);
    List<String> noRls = new ArrayList<>();
    List<String> noPolicy = new ArrayList<>();
    List<String> notForced = new ArrayList<>();
    int count = 0;
    for (TenantTable t : tables) {
      count += t.policies();
      if (!t.enabled()) {
        noRls.add(t.table().key());
      } else if (t.policies() == 0) {
        noPolicy.add(t.table().key());
      } else if (!t.forced()) {
        notForced.add(t.table().key());
      }
    }
    List<String> problems = new ArrayList<>();
    if (!noRls.isEmpty()) {
      problems.add("row-level security not enabled on " + String.join(", ", noRls));
    }
    if (!noPolicy.isEmpty()) {
      problems.add("no policy on " + String.join(", ", noPolicy));
    }
    if (!notForced.isEmpty()) {
      problems.add("not forced (the owner sees every tenant) on " + String.join(", ", notForced));
    }
    if (!leaking.isEmpty()) {
      problems.add(
          "policies that let "
              + (role == null ? "a role" : "role " + role)
              + " in without reading "
              + setting
              + " isolate nothing (every tenant sees every row they admit): "
              + String.join(", ", leaking));
    }
    String summary =
        tables.size() + " tenant tables (column " + column + "), " + count + " policies";
    List<Finding> findings = new ArrayList<>();
    if (problems.isEmpty()) {
      findings.add(
          Finding.ok(name, summary + ", all enabled and forced, each confined by " + setting));
    } else {
      CheckStatus status =
          noRls.isEmpty() && noPolicy.isEmpty() && leaking.isEmpty()
              ? CheckStatus.WARN
              : CheckStatus.FAIL;
      findings.add(new Finding(name, status, summary + "; " + String.join("; ", problems)));
    }
    List<String> cast = policies.castWithoutNullif(setting);
    if (!cast.isEmpty()) {
      // a warning, not red: such a policy fails closed (an error, never another tenant's rows)
      findings.add(
          Finding.warn(
              label + " rls nullif",
              "the policies of "
                  + String.join(", ", cast)
                  + " cast current_setting('"
                  + setting
                  + "', ...) without nullif: a session that once set the tenant with"
                  + " set_config(..., true) then sees '' and gets \"invalid input syntax\" errors"
                  + " instead of no rows; write nullif(current_setting('"
                  + setting
                  + "', true), '')::bigint"));
    }
    return findings;
  }

  private String tenantSetting(String target) {
    TargetProperties t = config.properties().targets().get(target);
    return t == null || t.tenantIsolation() == null || t.tenantIsolation().setting() == null
        ? "app.account_id"
        : t.tenantIsolation().setting();
  }

  private String tenantRole(String target) {
    TargetProperties t = config.properties().targets().get(target);
    return t == null || t.tenantIsolation() == null || t.tenantIsolation().role() == null
        ? null
        : t.tenantIsolation().role();
  }

  private List<Finding> backups(String label, Target target) {
    String name = target.name();
    BackupCatalog.Listing listing = catalog.list(target);
    List<Finding> findings = new ArrayList<>();
    Instant now = clock.instant();
    Optional<Duration> every = backupInterval(name, now);
    if (listing.backups().isEmpty()) {
      findings.add(
          Finding.fail(
              label,
              "no complete backup in stores "
                  + target.stores()
                  + (listing.unreadableStores().isEmpty()
                      ? ""
                      : " (unreadable: " + listing.unreadableStores().keySet() + ")")
                  + "; run: lifeboat backup"));
    } else {
      BackupCatalog.Entry newest = listing.backups().get(0);
      Instant at = newest.manifest().completedAt();
      Duration age = at == null ? Duration.ZERO : Duration.between(at, now);
      String detail =
          "newest " + newest.manifest().id() + ", " + human(age) + " old, in " + newest.stores();
      if (every.isPresent()) {
        Duration allowed = every.get().plus(every.get().dividedBy(2));
        if (age.compareTo(allowed) > 0) {
          findings.add(
              Finding.fail(
                  label,
                  detail
                      + "; stale: the backup schedule runs every "
                      + human(every.get())
                      + ", so it should be at most "
                      + human(allowed)
                      + " old"));
        } else {
          findings.add(Finding.ok(label, detail + " (scheduled every " + human(every.get()) + ")"));
        }
      } else if (age.compareTo(UNSCHEDULED_AGE) > 0) {
        findings.add(Finding.warn(label, detail + "; no backup schedule is configured"));
      } else {
        findings.add(Finding.ok(label, detail + " (no backup schedule)"));
      }
      findings.add(
          listing
              .newestVerified()
              .map(
                  v ->
                      Finding.ok(
                          "target " + name + " verified",
                          "newest verified "
                              + v.manifest().id()
                              + " (proved good at "
                              + v.verifiedAt()
                              + ", "
                              + human(Duration.between(v.verifiedAt(), now))
                              + " ago)"))
              .orElse(
                  Finding.warn(
                      "target " + name + " verified",
                      "no backup was proved good by a verify or a drill yet; run: lifeboat"
                          + " verify latest")));
      if (!listing.unreadableStores().isEmpty()) {
        findings.add(
            Finding.warn(
                label + " stores",
                "could not be read: " + String.join("; ", listing.unreadableStores().values())));
      }
    }
    return findings;
  }

  /** Time between two scheduled backups of the target, when it has a schedule. */
  private Optional<Duration> backupInterval(String target, Instant now) {
    for (Schedules.Planned p :
        Schedules.plan(config.properties(), VerbName.schedulableWords(), now)) {
      if (VerbName.BACKUP.is(p.verb()) && p.target().equals(target)) {
        try {
          CronExpression cron = new CronExpression(p.cron());
          cron.setTimeZone(TimeZone.getTimeZone(p.zone()));
          java.util.Date first = cron.getNextValidTimeAfter(java.util.Date.from(now));
          java.util.Date second = first == null ? null : cron.getNextValidTimeAfter(first);
          if (second != null) {
            return Optional.of(Duration.between(first.toInstant(), second.toInstant()));
          }
        } catch (java.text.ParseException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private Finding lastDrill(String name) {
    String label = "target " + name + " drill";
    List<History.Entry> runs = history.list(name, VerbName.DRILL.word(), 1);
    if (runs.isEmpty()) {
      return Finding.warn(label, "never drilled; run: lifeboat drill");
    }
    History.Entry last = runs.get(0);
    String when = last.startedAt() + " (" + last.trigger() + ")";
    if (Outcome.SUCCESS.word().equals(last.outcome())) {
      return Finding.ok(label, "last drill " + when + ": " + last.result());
    }
    return Finding.fail(
        label,
        "last drill "
            + when
            + " "
            + last.outcome()
            + ": "
            + (last.result() != null ? last.result() : last.error()));
  }

  private String tenantColumn(String target) {
    TargetProperties t = config.properties().targets().get(target);
    return t == null ? "account_id" : t.tenantColumn();
  }

  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 2 * 3600) {
      return s / 60 + "m";
    }
    if (s < 2 * 86400) {
      return s / 3600 + "h";
    }
    return s / 86400 + "d";
  }
}
