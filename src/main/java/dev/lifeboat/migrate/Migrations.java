package dev.lifeboat.migrate;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.target.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.stereotype.Component;

/**
 * Versioned migrations of one target with Flyway Community as the engine: its history table
 * ({@value #HISTORY}), ordering and checksums. Lifeboat adds the {@code lock_timeout} on every
 * migration, a session lock that serialises applies without holding a transaction open (so a {@code
 * CREATE INDEX CONCURRENTLY} never waits on a waiting apply), and problems explained.
 */
@Component
public final class Migrations {

  /** Flyway's default table, so a database already migrated by Flyway is read as is. */
  public static final String HISTORY = "flyway_schema_history";

  /** Advisory lock object (class {@link AdvisoryLock#CLASS}): one apply per target at a time. */
  static final int LOCK = 10;

  private static final Duration LOCK_POLL = Duration.ofMillis(500);

  private final LifeboatConfig config;
  private final MigrationMetrics metrics;

  Migrations(LifeboatConfig config, MigrationMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  /** The target's migration directory: its own {@code migrations.dir}, else the global one. */
  public Path dir(Target target) {
    LifeboatProperties p = config.properties();
    String name = target.name();
    int dot = name.lastIndexOf('.');
    LifeboatProperties.TargetProperties t = p.targets().get(name);
    if (t == null && dot > 0) {
      t = p.targets().get(name.substring(0, dot));
    }
    Path dir = t != null && t.migrations() != null ? t.migrations().dir() : null;
    return resolve(dir != null ? dir : p.migrations().dir());
  }

  /** The global migration directory, for {@code migrate new} without a target. */
  public Path dir() {
    return resolve(config.properties().migrations().dir());
  }

  private static Path resolve(Path dir) {
    return LifeboatProperties.jobDir(dir, "jobs/migrations");
  }

  Duration lockTimeout() {
    return config.properties().migrations().lockTimeout();
  }

  Flyway flyway(Target target, Path dir, org.flywaydb.core.api.callback.Callback... callbacks) {
    return flyway(target, dir, c -> c, callbacks);
  }

  /** {@link #flyway} with {@code tweak} applied last (a rehearsal's target version or grouping). */
  Flyway flyway(
      Target target,
      Path dir,
      java.util.function.UnaryOperator<org.flywaydb.core.api.configuration.FluentConfiguration>
          tweak,
      org.flywaydb.core.api.callback.Callback... callbacks) {
    PgConnection db = target.connection();
    return tweak
        .apply(
            Flyway.configure(Migrations.class.getClassLoader())
                // a transaction holding Flyway's lock would make CREATE INDEX CONCURRENTLY wait
                // forever
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(new Source(db))
                .locations("filesystem:" + dir.toAbsolutePath())
                .table(HISTORY)
                .initSql("SET lock_timeout = '" + lockTimeout().toMillis() + "ms'")
                // a database made before its first migration: history starts at 0, so V1 still runs
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("existing schema, before the first migration")
                .validateOnMigrate(false)
                .cleanDisabled(true)
                .failOnMissingLocations(false)
                .loggers("slf4j")
                .callbacks(callbacks))
        .load();
  }

  /**
   * Where the target's migrations stand, as {@code migrate status} shows it; also sets {@code
   * lifeboat_migrations_pending}.
   */
  public MigrationStatus shown(Target target) {
    MigrationStatus s = status(target);
    metrics.pending(target.name(), s.pending().size());
    return s;
  }

  /** Reads the history table (without creating it) and the directory; touches nothing. */
  public MigrationStatus status(Target target) {
    Path dir = dir(target);
    MigrationInfo[] all;
    try {
      all = flyway(target, dir).info().all();
    } catch (FlywayException e) {
      throw new MigrationException(
          "cannot read the migrations of target '" + target.name() + "': " + reason(e), e);
    }
    List<MigrationStatus.Applied> applied = new ArrayList<>();
    List<MigrationStatus.Pending> pending = new ArrayList<>();
    List<MigrationStatus.Problem> problems = new ArrayList<>();
    for (MigrationInfo m : all) {
      if (!m.isVersioned()) {
        continue;
      }
      String version = m.getVersion().getVersion();
      String script = m.getScript();
      switch (m.getState()) {
        case PENDING -> pending.add(pending(m));
        case IGNORED -> {
          pending.add(pending(m));
          problems.add(
              new MigrationStatus.Problem(
                  MigrationStatus.Kind.OUT_OF_ORDER,
                  version,
                  script,
                  script + " is not applied but a later version is; Flyway would skip it for good",
                  "give it a version above the newest applied one (rename the file), then apply"));
        }
        case BASELINE -> applied.add(applied(m, true));
        case SUCCESS, OUT_OF_ORDER -> {
          applied.add(applied(m, true));
          if (m.getResolvedChecksum() != null && !m.isChecksumMatching()) {
            problems.add(
                new MigrationStatus.Problem(
                    MigrationStatus.Kind.CHECKSUM_CHANGED,
                    version,
                    script,
                    script
                        + " changed after it was applied (checksum "
                        + m.getAppliedChecksum()
                        + " applied, "
                        + m.getResolvedChecksum()
                        + " in "
                        + dir
                        + ")",
                    "put the file back as it was applied (git checkout it) and write the change as"
                        + " a new migration (lifeboat migrate new NAME)"));
          }
        }
        case MISSING_SUCCESS, FUTURE_SUCCESS -> {
          applied.add(applied(m, true));
          problems.add(
              new MigrationStatus.Problem(
                  MigrationStatus.Kind.MISSING_FILE,
                  version,
                  script,
                  "version "
                      + version
                      + " ("
                      + script
                      + ") was applied but its file is not in "
                      + dir,
                  "restore " + script + " into " + dir + " (from version control)"));
        }
        case FAILED, MISSING_FAILED, FUTURE_FAILED -> {
          applied.add(applied(m, false));
          problems.add(
              new MigrationStatus.Problem(
                  MigrationStatus.Kind.FAILED,
                  version,
                  script,
                  script
                      + " failed part-way outside a transaction; what it did before the error"
                      + " stays",
                  "undo or finish its statements by hand, then delete its row: DELETE FROM "
                      + HISTORY
                      + " WHERE version = '"
                      + version
                      + "' AND NOT success; then apply again"));
        }
        default -> {
          // baseline markers, undone and repeatable states: not versioned files to apply
        }
      }
    }
    return new MigrationStatus(
        target.name(), dir.toString(), HISTORY, applied, pending, List.copyOf(problems));
  }

  private static MigrationStatus.Pending pending(MigrationInfo m) {
    return new MigrationStatus.Pending(
        m.getVersion().getVersion(), m.getDescription(), m.getScript(), m.getResolvedChecksum());
  }

  private static MigrationStatus.Applied applied(MigrationInfo m, boolean success) {
    return new MigrationStatus.Applied(
        m.getVersion().getVersion(),
        m.getDescription(),
        m.getScript(),
        m.getAppliedChecksum() != null ? m.getAppliedChecksum() : m.getChecksum(),
        m.getInstalledOn() == null ? null : m.getInstalledOn().toInstant().toString(),
        m.getInstalledBy(),
        m.getExecutionTime(),
        success);
  }

  /**
   * Applies the pending migrations of {@code target} in order, serialised with any other apply of
   * the same target (waiting for it, saying so through {@code waiting}). Refuses while status shows
   * a problem. Returns the result; a failed migration is a result with a failure, not an exception.
   */
  MigrateResult apply(Target target, Consumer<String> waiting) {
    try (Connection lock = lock(target, waiting)) {
      return applyLocked(target);
    } catch (SQLException e) {
      throw new MigrationException(
          "cannot connect to target '" + target.name() + "': " + PgErrors.firstLine(e.getMessage()),
          e);
    }
  }

  /** Why {@code status} stands in the way of an apply, as one sentence; null when it does not. */
  static String refusal(MigrationStatus before) {
    if (before.clean()) {
      return null;
    }
    MigrationStatus.Problem p = before.problems().get(0);
    return "refused: "
        + before.problems().size()
        + " problem"
        + (before.problems().size() == 1 ? "" : "s")
        + " (see lifeboat migrate status): "
        + p.detail()
        + "; to fix: "
        + p.fix()
        + "; nothing was applied";
  }

  /** {@link #apply} for a caller that holds {@link #lock} already. */
  MigrateResult applyLocked(Target target) {
    MigrationStatus before = status(target);
    if (!before.clean()) {
      String error = refusal(before);
      return MigrateResult.notApplied(
          MigrateResult.Status.REFUSED, target.name(), before.pending().size(), error);
    }
    if (before.pending().isEmpty()) {
      return MigrateResult.notApplied(MigrateResult.Status.UP_TO_DATE, target.name(), 0, null);
    }
    Flyway flyway = flyway(target, dir(target));
    try {
      return result(target, flyway.migrate(), null, null);
    } catch (FlywayMigrateException e) {
      MigrationInfo m = e.getMigration();
      String message = PgErrors.firstLine(sqlMessage(e));
      boolean inTransaction = e.isExecutableInTransaction();
      MigrateResult.Failure failure =
          new MigrateResult.Failure(
              m == null || m.getVersion() == null ? null : m.getVersion().getVersion(),
              m == null ? null : m.getScript(),
              e.getLineNumber() > 0 ? e.getLineNumber() : null,
              message,
              inTransaction);
      String error =
          "migration "
              + failure.script()
              + " failed"
              + (failure.line() == null ? "" : " at line " + failure.line())
              + ": "
              + message
              + (inTransaction
                  ? "; it was rolled back, the migrations before it stay applied and none after"
                      + " it ran"
                  : "; it ran outside a transaction, so what it did before the error stays;"
                      + " none after it ran (see lifeboat migrate status)");
      return result(target, e.getErrorResult(), failure, error);
    } catch (FlywayException e) {
      return MigrateResult.of(
          MigrateResult.Status.FAILED,
          target.name(),
          List.of(),
          null,
          before.pending().size(),
          "could not apply the migrations of target '" + target.name() + "': " + reason(e));
    }
  }

  private MigrateResult result(
      Target target,
      org.flywaydb.core.api.output.MigrateResult out,
      MigrateResult.Failure failure,
      String error) {
    List<MigrateResult.Step> steps = new ArrayList<>();
    if (out != null && out.migrations != null) {
      for (MigrateOutput o : out.migrations) {
        if (Boolean.TRUE.equals(o.rolledBack)
            || failure != null && o.version != null && o.version.equals(failure.version())) {
          continue;
        }
        steps.add(
            new MigrateResult.Step(
                o.version,
                o.description,
                Path.of(o.filepath).getFileName().toString(),
                o.executionTime));
      }
    }
    int pending = status(target).pending().size();
    return MigrateResult.of(
        failure == null ? MigrateResult.Status.APPLIED : MigrateResult.Status.FAILED,
        target.name(),
        steps,
        failure,
        pending,
        error);
  }

  /**
   * A session-level advisory lock on the target, taken by polling so the waiting side holds no
   * transaction open (a waiting {@code pg_advisory_lock} would stall a concurrent index build).
   */
  Connection lock(Target target, Consumer<String> waiting) throws SQLException {
    Connection c = target.connection().open();
    boolean said = false;
    try {
      while (!AdvisoryLock.tryLock(c, LOCK)) {
        if (!said) {
          waiting.accept(
              "another migrate apply of target '" + target.name() + "' is running; waiting for it");
          said = true;
        }
        Thread.sleep(LOCK_POLL.toMillis());
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.close();
      throw new MigrationException("interrupted while waiting for another migrate apply", e);
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** PostgreSQL's own words, without Flyway's framing. */
  static String sqlMessage(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message != null ? message : reason(e);
  }

  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        return PgErrors.firstLine(t.getMessage());
      }
    }
    return PgErrors.firstLine(String.valueOf(e.getMessage()));
  }

  /** A Flyway data source that opens connections the way every other Lifeboat door does. */
  private static final class Source extends AbstractDataSource {
    private final PgConnection db;

    Source(PgConnection db) {
      this.db = db;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return db.open();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return db.open();
    }
  }

  /** Creates the next version's file in {@code dir}; returns its path. */
  public static Path newFile(Path dir, String name, java.time.Instant now) {
    String slug = name.trim().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    slug = slug.replaceAll("^_+|_+$", "");
    if (slug.isEmpty()) {
      throw new ConfigException(
          "NAME", "'" + name + "' has no letters or digits; name the change, e.g. add_email_index");
    }
    int next = 1;
    try {
      Files.createDirectories(dir);
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          var m =
              java.util.regex.Pattern.compile("V(\\d+)(?:[._]\\d+)*__.*\\.sql")
                  .matcher(f.getFileName().toString());
          if (m.matches()) {
            next = Math.max(next, Integer.parseInt(m.group(1)) + 1);
          }
        }
      }
      Path file = dir.resolve("V" + next + "__" + slug + ".sql");
      String header =
          "-- V"
              + next
              + ": "
              + name.trim()
              + "\n"
              + "-- Created "
              + now
              + " by lifeboat migrate new.\n"
              + "-- `lifeboat migrate apply` runs this file once, in its own transaction, under\n"
              + "-- lock_timeout (lifeboat.migrations.lock-timeout); never edit it after it was\n"
              + "-- applied: write a new migration instead.\n"
              + "-- For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY),\n"
              + "-- create "
              + file.getFileName()
              + ".conf holding the line: executeInTransaction=false\n\n";
      Files.writeString(file, header, java.nio.file.StandardOpenOption.CREATE_NEW);
      return file;
    } catch (IOException e) {
      throw new ConfigException(
          "lifeboat.migrations.dir",
          "cannot write a migration into " + dir + ": " + e.getMessage());
    }
  }
}
