package dev.lifeboat.datamigrate;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.DataMigrationResult;
import dev.lifeboat.run.DeadRuns;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * Chunked data migrations ({@code lifeboat data-migrate}): the checks before one runs or resumes by
 * name (its run goes through the door, see {@link DataMigrate}), pause or cancel it from any
 * process or node, and show where each stands. The state lives in the target database ({@code
 * lifeboat.data_migration*}), so every node sees the same thing.
 */
@Component
public final class DataMigrations {

  /** {@code lifeboat_data_migration_progress_ratio{name}}. */
  static final String PROGRESS_GAUGE = "lifeboat.data.migration.progress.ratio";

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private static final List<String> KEY_TYPES = List.of("smallint", "integer", "bigint");

  private final LifeboatConfig config;
  private final Targets targets;
  private final ActiveRuns active;
  private final MeterRegistry registry;
  private final Node node;
  private final DeadRuns deadRuns;
  private final Map<String, AtomicReference<Double>> ratios = new ConcurrentHashMap<>();

  DataMigrations(
      LifeboatConfig config,
      Targets targets,
      ActiveRuns active,
      MeterRegistry registry,
      Node node,
      DeadRuns deadRuns) {
    this.deadRuns = deadRuns;
    this.config = config;
    this.targets = targets;
    this.active = active;
    this.registry = registry;
    this.node = node;
  }

  /** Where the specs are: {@code lifeboat.data-migrations.dir}, default jobs/data-migrations. */
  public Path dir() {
    return LifeboatProperties.jobDir(
        config.properties().dataMigrations().dir(), "jobs/data-migrations");
  }

  /** A spec read and checked against its target (exit 2 naming the field when it is wrong). */
  public record Checked(DataMigrationSpec spec, Target target) {}

  /**
   * The target data migration {@code name} runs on: its spec's, else {@code cliTarget} (exit 2
   * naming the field when no such target is configured); null when neither names one.
   */
  public String target(String name, String cliTarget) {
    return targetOf(DataMigrationSpec.load(dir(), name), cliTarget);
  }

  private String targetOf(DataMigrationSpec spec, String cliTarget) {
    String targetName = spec.target() != null ? spec.target() : cliTarget;
    if (targetName != null && !config.properties().targets().containsKey(targetName)) {
      throw DataMigrationSpec.invalid(
          spec.file(),
          spec.target() != null ? "target" : "--target",
          "no target '"
              + targetName
              + "' is configured; known targets: "
              + new java.util.TreeSet<>(config.properties().targets().keySet()));
    }
    return targetName;
  }

  /** Reads spec {@code name} and checks it against the database; nothing is changed. */
  public Checked check(String name, String cliTarget) {
    DataMigrationSpec spec = DataMigrationSpec.load(dir(), name);
    Target target = targets.resolve(targetOf(spec, cliTarget));
    targets.checkConnection(target);
    try (Connection c = target.connection().open()) {
      String regclass;
      try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?)::text")) {
        ps.setString(1, spec.table());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          regclass = rs.getString(1);
        }
      }
      if (regclass == null) {
        throw DataMigrationSpec.invalid(
            spec.file(),
            "table",
            "table '"
                + spec.table()
                + "' does not exist in database '"
                + target.connection().database()
                + "' of target '"
                + target.name()
                + "'");
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
                  + " ?::regclass AND attname = ? AND attnum > 0 AND NOT attisdropped")) {
        ps.setString(1, spec.table());
        ps.setString(2, spec.key().toLowerCase(java.util.Locale.ROOT));
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw DataMigrationSpec.invalid(
                spec.file(),
                "key",
                "table " + spec.table() + " has no column '" + spec.key() + "'");
          }
          if (!KEY_TYPES.contains(rs.getString(1))) {
            throw DataMigrationSpec.invalid(
                spec.file(),
                "key",
                "column "
                    + spec.key()
                    + " is "
                    + rs.getString(1)
                    + "; the key must be an integer or bigint column (its range is split into"
                    + " chunks)");
          }
        }
      }
    } catch (SQLException e) {
      throw new DataMigrationException(
          "cannot check data migration '"
              + name
              + "' on target '"
              + target.name()
              + "': "
              + PgErrors.rootCause(e),
          null);
    }
    return new Checked(spec, target);
  }

  /**
   * Before data migration {@code name} runs (or continues after the last committed chunk of every
   * partition): its spec checked, its lock taken (held by the session the run keeps until {@link
   * #end}), its progress recorded at the first start. Refuses (exit 2) a paused one unless {@code
   * resume}, and a cancelled one. Returns the request on the target it resolved to.
   */
  DataMigrateRequest open(DataMigrateRequest request, Progress progress) {
    String name = request.name();
    Checked checked = check(name, request.target());
    Target target = checked.target();
    Connection c;
    try {
      c = target.connection().open();
    } catch (SQLException e) {
      throw failed(name, target, e);
    }
    boolean locked = false;
    try {
      ProgressTable.ensure(c);
      if (!ProgressTable.tryLock(c, name)) {
        throw new TargetBusyException(
            "data migration '"
                + name
                + "' is already running on target '"
                + target.name()
                + "' (another process or node holds it); `lifeboat data-migrate pause "
                + name
                + "` pauses it there");
      }
      locked = true;
      active.put(name, openLocked(c, checked.spec(), target, request.resume(), progress));
      return request.on(target.name());
    } catch (SQLException e) {
      release(c, name, locked);
      throw failed(name, target, e);
    } catch (RuntimeException e) {
      release(c, name, locked);
      throw e;
    }
  }

  private ActiveRun openLocked(
      Connection c, DataMigrationSpec spec, Target target, boolean resume, Progress progress)
      throws SQLException {
    String name = spec.name();
    Optional<ProgressTable.Row> row = ProgressTable.find(c, name);
    if (row.isEmpty()) {
      long[] minMax = minMax(c, spec);
      ProgressTable.create(
          c,
          spec,
          minMax == null ? null : minMax[0],
          minMax == null ? null : minMax[1],
          spec.parallelism(),
          node.name());
      row = ProgressTable.find(c, name);
    }
    ProgressTable.Row r = row.orElseThrow();
    if (!r.table().equals(spec.table()) || !r.key().equals(spec.key())) {
      throw DataMigrationSpec.invalid(
          spec.file(),
          r.table().equals(spec.table()) ? "key" : "table",
          "changed since data migration '"
              + name
              + "' first started on "
              + r.table()
              + "."
              + r.key()
              + "; its recorded key ranges belong to that; use a new spec name for another"
              + " table or key");
    }
    switch (r.state()) {
      case CANCELLED ->
          throw new ConfigException(
              "data-migrate",
              "data migration '"
                  + name
                  + "' was cancelled for good; its history stays in `lifeboat data-migrate"
                  + " status`; to make the change again, use a new spec name");
      case COMPLETED -> {
        return idle(c, spec, target);
      }
      default -> {}
    }
    boolean paused =
        r.state() == DataMigrationResult.State.PAUSED || ProgressTable.PAUSE.equals(r.requested());
    if (paused && !resume) {
      throw new ConfigException(
          "data-migrate",
          "data migration '"
              + name
              + "' is paused; continue it with `lifeboat data-migrate resume "
              + name
              + "`");
    }
    if (ProgressTable.CANCEL.equals(r.requested())) {
      // cancelled while no runner was there to see it
      ProgressTable.setState(c, name, DataMigrationResult.State.CANCELLED, null, true);
      return idle(c, spec, target);
    }
    if (paused) {
      ProgressTable.request(c, name, null);
    }
    // holding the migration's lock proves no other process runs it
    deadRuns.markFailed(
        DataMigrationJobConfiguration.JOB,
        DataMigrationJobConfiguration.NAME,
        name,
        -1,
        owner -> "the process running it died; its committed chunks are kept in the target");
    ProgressTable.started(c, name, node.name());
    List<DataMigrationStatus.Partition> partitions = ProgressTable.partitions(c, name);
    AtomicReference<Double> ratio = ratio(name);
    ChunkProgress line = new ChunkProgress(progress, name);
    ActiveRun run =
        new ActiveRun(
            spec,
            target,
            c,
            false,
            partitions,
            line,
            a -> {
              ratio.set(a.ratio());
              line.update(a);
            });
    ratio.set(run.ratio());
    return run;
  }

  /** A run with nothing to do: its job tries no chunk, its result is where the migration stands. */
  private static ActiveRun idle(Connection c, DataMigrationSpec spec, Target target) {
    return new ActiveRun(spec, target, c, true, List.of(), null, a -> {});
  }

  /**
   * After the job of data migration {@code name}, whichever way it ended: the state it leaves
   * recorded in the target, the lock released, the result.
   */
  DataMigrationResult end(String name, JobExecution execution) {
    ActiveRun run = active.get(name);
    if (run == null) {
      throw new DataMigrationException(
          "data migration '" + name + "' has no run in this process to end", null);
    }
    active.remove(name);
    Connection c = run.session;
    try {
      return run.idle ? finish(c, run.spec, run.on, null, 0) : ended(c, run, execution);
    } catch (SQLException e) {
      throw failed(name, run.on, e);
    } finally {
      release(c, name, true);
    }
  }

  /**
   * A run of {@code name} whose job never started: its lock released and its session closed, the
   * progress row left as a crashed runner leaves it (the next run finds it dead and goes on).
   */
  void abandon(String name) {
    ActiveRun run = active.get(name);
    if (run != null) {
      active.remove(name);
      if (run.line != null) {
        run.line.close();
      }
      release(run.session, name, true);
    }
  }

  private DataMigrationResult ended(Connection c, ActiveRun run, JobExecution execution)
      throws SQLException {
    String name = run.spec.name();
    run.line.close();
    double seconds = (System.nanoTime() - run.startedNanos) / 1e9;
    String error = run.failure;
    if (error == null && execution.getStatus() == BatchStatus.FAILED) {
      error =
          execution.getAllFailureExceptions().stream()
              .map(PgErrors::rootCause)
              .findFirst()
              .orElse("the data-migrate job ended " + execution.getStatus());
    }
    List<DataMigrationStatus.Partition> after = ProgressTable.partitions(c, name);
    boolean done = after.stream().allMatch(p -> p.next() >= p.to());
    String request = run.request != null ? run.request : ProgressTable.requested(c, name);
    DataMigrationResult.State state = state(error, done, request);
    ProgressTable.setState(
        c, name, state, error, state != DataMigrationResult.State.FAILED || done);
    ratio(name).set(run.ratio());
    return finish(c, run.spec, run.on, run, seconds);
  }

  /**
   * The state a run leaves: failed on an error, else completed when every key range is done, else
   * what was requested (cancel, pause), else stopped (SIGTERM, Ctrl-C).
   */
  static DataMigrationResult.State state(String error, boolean done, String request) {
    if (error != null) {
      return DataMigrationResult.State.FAILED;
    } else if (done) {
      return DataMigrationResult.State.COMPLETED;
    } else if (ProgressTable.CANCEL.equals(request)) {
      return DataMigrationResult.State.CANCELLED;
    } else if (ProgressTable.PAUSE.equals(request)) {
      return DataMigrationResult.State.PAUSED;
    }
    return DataMigrationResult.State.STOPPED;
  }

  private static DataMigrationException failed(String name, Target target, SQLException e) {
    return new DataMigrationException(
        "data migration '"
            + name
            + "' on target '"
            + target.name()
            + "' failed: "
            + PgErrors.rootCause(e),
        null);
  }

  /** Releases the migration's lock (when held) and closes its session; a failure is logged. */
  private static void release(Connection c, String name, boolean locked) {
    try (c) {
      if (locked) {
        ProgressTable.unlock(c, name);
      }
    } catch (SQLException e) {
      log.warn("could not release the lock of data migration '{}': {}", name, e.getMessage());
    }
  }

  /** The result, with the rows that arrived above the kept maximum key counted (never skipped). */
  private DataMigrationResult finish(
      Connection c, DataMigrationSpec spec, Target target, ActiveRun run, double seconds)
      throws SQLException {
    ProgressTable.Row r = ProgressTable.find(c, spec.name()).orElseThrow();
    Long above = null;
    if (r.state() == DataMigrationResult.State.COMPLETED) {
      above = rowsAbove(c, spec, r.maxKey());
      ProgressTable.rowsAboveMax(c, spec.name(), above);
    }
    List<DataMigrationStatus.Partition> parts = ProgressTable.partitions(c, spec.name());
    long rows = run == null ? 0 : run.rows.get();
    return new DataMigrationResult(
        spec.name(),
        target.name(),
        r.state(),
        rows,
        run == null ? 0 : run.chunks.get(),
        seconds,
        seconds > 0 ? rows / seconds : 0,
        ratio(parts),
        above,
        r.state() == DataMigrationResult.State.FAILED ? r.lastError() : null);
  }

  /** Pauses {@code name}: the runner, wherever it is, stops after its current chunk. */
  public DataMigrationStatus pause(String name, String cliTarget) {
    return request(name, cliTarget, ProgressTable.PAUSE, DataMigrationResult.State.PAUSED);
  }

  /** Cancels {@code name} for good: the runner stops after its current chunk. */
  public DataMigrationStatus cancel(String name, String cliTarget) {
    return request(name, cliTarget, ProgressTable.CANCEL, DataMigrationResult.State.CANCELLED);
  }

  private DataMigrationStatus request(
      String name, String cliTarget, String request, DataMigrationResult.State state) {
    Checked checked = check(name, cliTarget);
    PgConnection db = checked.target().connection();
    try (Connection c = db.open()) {
      ProgressTable.ensure(c);
      Optional<ProgressTable.Row> row = ProgressTable.find(c, name);
      if (row.isEmpty()) {
        throw new ConfigException(
            "data-migrate",
            "data migration '" + name + "' has not started; there is nothing to " + request);
      }
      DataMigrationResult.State now = row.get().state();
      if (now == DataMigrationResult.State.COMPLETED
          || now == DataMigrationResult.State.CANCELLED) {
        throw new ConfigException(
            "data-migrate",
            "data migration '" + name + "' is " + now.word() + "; there is nothing to " + request);
      }
      if (ProgressTable.tryLock(c, name)) {
        try {
          // nobody runs it: the state changes now
          ProgressTable.setState(c, name, state, null, true);
        } finally {
          ProgressTable.unlock(c, name);
        }
      } else {
        ProgressTable.request(c, name, request);
      }
      return status(c, checked.spec(), checked.target());
    } catch (SQLException e) {
      throw new DataMigrationException(
          "cannot " + request + " data migration '" + name + "': " + PgErrors.rootCause(e), null);
    }
  }

  /** Every data migration in the spec directory (or just {@code name}), as its target has it. */
  public List<DataMigrationStatus> status(String name, String cliTarget) {
    List<String> names = new ArrayList<>();
    if (name != null) {
      names.add(name);
    } else if (Files.isDirectory(dir())) {
      try (Stream<Path> files = Files.list(dir())) {
        files
            .map(p -> p.getFileName().toString())
            .filter(f -> f.endsWith(".yml"))
            .map(f -> f.substring(0, f.length() - 4))
            .sorted()
            .forEach(names::add);
      } catch (IOException e) {
        throw new ConfigException(
            "lifeboat.data-migrations.dir", "cannot list " + dir() + ": " + e);
      }
    }
    List<DataMigrationStatus> all = new ArrayList<>();
    for (String n : names) {
      DataMigrationSpec spec = DataMigrationSpec.load(dir(), n);
      String t = spec.target() != null ? spec.target() : cliTarget;
      Target target = targets.resolve(t);
      try (Connection c = target.connection().open()) {
        all.add(status(c, spec, target));
      } catch (SQLException e) {
        throw new DataMigrationException(
            "cannot read data migration '"
                + n
                + "' on target '"
                + target.name()
                + "': "
                + PgErrors.rootCause(e),
            null);
      }
    }
    return all;
  }

  private DataMigrationStatus status(Connection c, DataMigrationSpec spec, Target target)
      throws SQLException {
    Optional<ProgressTable.Row> row =
        ProgressTable.exists(c) ? ProgressTable.find(c, spec.name()) : Optional.empty();
    if (row.isEmpty()) {
      return new DataMigrationStatus(
          spec.name(),
          target.name(),
          spec.table(),
          spec.key(),
          DataMigrationResult.State.PENDING.word(),
          null,
          null,
          null,
          0,
          0,
          0,
          null,
          null,
          null,
          null,
          null,
          List.of());
    }
    ProgressTable.Row r = row.get();
    if (r.state() == DataMigrationResult.State.RUNNING && ProgressTable.tryLock(c, spec.name())) {
      // nobody holds the runner's lock: the process that ran it died (kill -9, power loss)
      try {
        ProgressTable.setState(c, spec.name(), DataMigrationResult.State.STOPPED, null, false);
        r = ProgressTable.find(c, spec.name()).orElseThrow();
      } finally {
        ProgressTable.unlock(c, spec.name());
      }
    }
    List<DataMigrationStatus.Partition> parts = ProgressTable.partitions(c, spec.name());
    long rows = parts.stream().mapToLong(DataMigrationStatus.Partition::rows).sum();
    long chunks = parts.stream().mapToLong(DataMigrationStatus.Partition::chunks).sum();
    Double rate = null;
    java.sql.Timestamp last;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT max(updated_at) FROM " + ProgressTable.PROGRESS + " WHERE name = ?")) {
      ps.setString(1, spec.name());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        last = rs.getTimestamp(1);
      }
    }
    if (r.runStartedAt() != null && last != null && last.after(r.runStartedAt())) {
      double secs = (last.getTime() - r.runStartedAt().getTime()) / 1000.0;
      rate = secs > 0 ? (rows - r.runRowsStart()) / secs : null;
    }
    double ratio = ratio(parts);
    if (r.state() == DataMigrationResult.State.COMPLETED) {
      ratio = 1.0;
    }
    ratio(spec.name()).set(ratio);
    return new DataMigrationStatus(
        spec.name(),
        target.name(),
        r.table(),
        r.key(),
        r.state().word(),
        r.requested(),
        r.minKey(),
        r.maxKey(),
        rows,
        chunks,
        ratio,
        rate,
        r.lastError(),
        r.rowsAboveMax(),
        r.runStartedAt() == null ? null : r.runStartedAt().toInstant(),
        r.updatedAt() == null ? null : r.updatedAt().toInstant(),
        parts);
  }

  private static double ratio(List<DataMigrationStatus.Partition> parts) {
    long total = parts.stream().mapToLong(p -> p.to() - p.from()).sum();
    long done = parts.stream().mapToLong(p -> p.next() - p.from()).sum();
    return total == 0 ? 1.0 : (double) done / total;
  }

  private AtomicReference<Double> ratio(String name) {
    return ratios.computeIfAbsent(
        name,
        n -> {
          AtomicReference<Double> ref = new AtomicReference<>(0.0);
          Gauge.builder(PROGRESS_GAUGE, ref, AtomicReference::get)
              .description("Share of a chunked data migration's key range done, 0 to 1")
              .tag("name", n)
              .register(registry);
          return ref;
        });
  }

  private static long[] minMax(Connection c, DataMigrationSpec spec) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT min(" + spec.key() + "), max(" + spec.key() + ") FROM " + spec.table());
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      Object min = rs.getObject(1);
      return min == null ? null : new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static long rowsAbove(Connection c, DataMigrationSpec spec, Long max)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM "
                + spec.table()
                + (max == null ? "" : " WHERE " + spec.key() + " > " + max))) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
