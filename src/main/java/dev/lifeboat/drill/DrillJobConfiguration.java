package dev.lifeboat.drill;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.Assertions;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.DrillValidator;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.archive.SpoolException;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.ManifestSignatures;
import dev.lifeboat.catalog.Manifests;
import dev.lifeboat.catalog.UnsignedBackupException;
import dev.lifeboat.catalog.Verifications;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.DatabaseMark;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.pg.PgRestore;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.StepTransactions;
import dev.lifeboat.run.StoppableWork;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The drill job: {@code prepare} (clean up after crashed drills, fetch and verify the archive),
 * {@code restore} (into a fresh scratch database, timed), {@code validate}, {@code cleanup}. The
 * job holds a server-wide advisory lock on the drill server for its whole run, so leftovers can be
 * told from a drill in progress: whatever is there while we hold the lock is a leftover.
 */
@Configuration(proxyBeanMethods = false)
class DrillJobConfiguration {

  static final String NAME = dev.lifeboat.run.VerbName.DRILL.word();
  static final String TARGET = "target";
  static final String BACKUP = "backup";
  static final String KEEP = "keep";
  static final String STARTED_AT = "startedAt";
  static final String REPORT = "report";
  static final String ALLOW_UNSIGNED = "allowUnsigned";

  static final String SCRATCH_PREFIX = LifeboatDatabases.SCRATCH_PREFIX;

  private static final String CHECKS = "checks";
  private static final String ARCHIVE = "archive";
  private static final String STORE = "store";
  private static final String MANIFEST = "manifest";
  private static final String FETCH_SECONDS = "fetchSeconds";
  private static final String PG_RESTORE_SECONDS = "pgRestoreSeconds";
  private static final String CONNECT_ERROR = "connectError";
  private static final String SIGNED = "signed";

  private final Map<Long, PgDatabases> sessions = new ConcurrentHashMap<>();
  // who restores each running drill; in memory only: it holds the restore role's password
  private final Map<Long, RestoreRole.Restorer> restorers = new ConcurrentHashMap<>();

  static String scratchName(String backupId) {
    return SCRATCH_PREFIX + backupId.toLowerCase().replace('-', '_');
  }

  /** The server drills restore on: {@code drill-url} when set, else the target's own server. */
  static PgConnection drillServer(Target target) {
    return target.drillServer();
  }

  /** "target 'app' (host:port)": a drill server as the drill's messages name it. */
  private static String where(Target target) {
    PgConnection s = drillServer(target);
    return "target '" + target.name() + "' (" + s.host() + ":" + s.port() + ")";
  }

  @Bean
  Job drillBatchJob(
      JobRepository jobRepository,
      Step drillPrepareStep,
      Step drillRestoreStep,
      Step drillValidateStep,
      Step drillCleanupStep,
      Targets targets,
      LifeboatMetrics metrics,
      LocalExecutions localExecutions,
      Verifications verifications,
      Clock clock) {
    return new JobBuilder(NAME, jobRepository)
        .listener(localExecutions)
        .listener(new Listener(targets, metrics, jobRepository, verifications, clock))
        .start(drillPrepareStep)
        .next(drillRestoreStep)
        .next(drillValidateStep)
        .next(drillCleanupStep)
        .build();
  }

  @Bean
  Step drillPrepareStep(
      JobRepository repo,
      Targets targets,
      BackupCatalog catalog,
      ArchiveFetcher fetcher,
      ManifestSignatures signatures) {
    return new StepBuilder("prepare", repo)
        .tasklet(
            (contribution, chunk) -> {
              JobExecution job = contribution.getStepExecution().getJobExecution();
              Target target = targets.resolve(param(contribution, TARGET));
              PgDatabases server = sessions.get(job.getId());
              if (server == null && job.getExecutionContext().containsKey(CONNECT_ERROR)) {
                // a drill that cannot reach its server has failed; it is not another drill's turn
                throw new DrillException(
                    "cannot connect to the drill server of "
                        + where(target)
                        + ": "
                        + job.getExecutionContext().getString(CONNECT_ERROR));
              }
              if (server == null) {
                throw new TargetBusyException(
                    "another drill is running on the drill server of "
                        + where(target)
                        + "; drills run one at a time per server; try again when it has finished");
              }
              String scratch = scratchName(param(contribution, BACKUP));
              List<DrillCheck> checks = new ArrayList<>();
              for (String[] db : server.withPrefix(SCRATCH_PREFIX)) {
                // under the drill lock, a marked scratch database is a leftover, never in use
                boolean leftover = DatabaseMark.marks(db[1], db[0], LifeboatDatabases.SCRATCH);
                boolean kept = DatabaseMark.marks(db[1], db[0], LifeboatDatabases.KEPT);
                if (leftover || kept && db[0].equals(scratch)) {
                  if (server.dropIfMarked(db[0], LifeboatDatabases.SCRATCH, LifeboatDatabases.KEPT)
                      == PgDatabases.Drop.DROPPED) {
                    checks.add(
                        DrillCheck.passed(
                            "cleanup " + db[0],
                            kept
                                ? "dropped the database kept by an earlier drill of this backup"
                                : "dropped a scratch database left behind by a drill that did not"
                                    + " finish"));
                  }
                } else if (db[0].equals(scratch)) {
                  checks.add(DrillCheck.failed("cleanup " + db[0], notOurs(db[0])));
                  addChecks(contribution, checks);
                  throw new DrillException(notOurs(db[0]));
                } else if (!kept) {
                  checks.add(
                      DrillCheck.passed(
                          "cleanup " + db[0],
                          "left alone: Lifeboat did not create it (it carries no lifeboat mark)"));
                }
              }
              List<String> leftoverRoles = Roles.dropDrillRoles(server.connection());
              if (!leftoverRoles.isEmpty()) {
                checks.add(
                    DrillCheck.passed(
                        "cleanup roles",
                        "dropped roles left by a drill that did not finish: "
                            + String.join(", ", leftoverRoles)));
              }
              long started = System.nanoTime();
              BackupCatalog.Entry entry = catalog.find(target, param(contribution, BACKUP));
              // typed drills were refused before the job; a scheduled one fails here, recorded
              ManifestSignatures.Verdict signature = signatures.check(target, entry);
              boolean allowUnsigned = Boolean.parseBoolean(param(contribution, ALLOW_UNSIGNED));
              if (!signature.signed()
                  && !(allowUnsigned && signature.status() != ManifestSignatures.Status.INVALID)) {
                checks.add(DrillCheck.failed("signature", signature.refusal()));
                addChecks(contribution, checks);
                throw new UnsignedBackupException(signature.refusal());
              }
              checks.add(
                  DrillCheck.passed(
                      "signature",
                      signature.signed()
                          ? signature.describe()
                          : signature.describe()
                              + "; drilled because of --allow-unsigned: restored only as a role"
                              + " without SUPERUSER, and not marked verified"));
              context(contribution).putString(SIGNED, String.valueOf(signature.signed()));
              try {
                ArchiveFetcher.Fetched fetched = fetcher.fetch(target, entry);
                for (ArchiveFetcher.Attempt a : fetched.attempts()) {
                  checks.add(
                      a.status().equals("ok")
                          ? DrillCheck.passed(
                              "checksum", "SHA-256 matches the manifest in store " + a.store())
                          : DrillCheck.failed(
                              "checksum " + a.store(),
                              a.status() + ": " + a.detail() + " (the drill used another store)"));
                }
                context(contribution).putString(ARCHIVE, fetched.archive().toString());
                context(contribution).putString(STORE, fetched.store());
                // validate checks against this manifest without listing the stores again
                context(contribution)
                    .putString(MANIFEST, new String(Manifests.write(entry.manifest()), UTF_8));
              } catch (ArchiveException e) {
                checks.add(
                    DrillCheck.failed(
                        e instanceof SpoolException ? "spool" : "checksum", e.getMessage()));
                addChecks(contribution, checks);
                throw e;
              }
              context(contribution).putDouble(FETCH_SECONDS, (System.nanoTime() - started) / 1e9);
              addChecks(contribution, checks);
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  /**
   * A drill on its own server ({@code drill-url}, e.g. a brand-new one) first creates the roles of
   * the backup's globals that server lacks, so objects, grants and policies restore as on the
   * source; roles that exist are never altered, those it creates are marked and dropped after the
   * drill. The target's own server has them all already.
   */
  private static void createMissingRoles(
      Targets targets, Keys keys, StepContribution contribution, Target target, PgDatabases server)
      throws SQLException {
    if (target.drillUrl() == null || target.drillUrl().isBlank()) {
      return;
    }
    Manifest manifest = Manifests.read(context(contribution).getString(MANIFEST).getBytes(UTF_8));
    if (manifest.globals() == null) {
      return;
    }
    List<Roles.Created> created =
        Roles.createForDrill(
            targets,
            keys.forTarget(target.name()),
            List.of(context(contribution).getString(STORE)),
            manifest.globals(),
            drillServer(target).withDatabase(server.maintenanceDatabase()),
            run(contribution));
    if (!created.isEmpty()) {
      addChecks(
          contribution,
          List.of(
              DrillCheck.passed(
                  "roles",
                  "created on the drill server from the backup's globals, without login,"
                      + " password, SUPERUSER, REPLICATION or BYPASSRLS, and dropped after the"
                      + " drill: "
                      + String.join(
                          ", ", created.stream().map(Roles.Created::describe).toList()))));
    }
  }

  @Bean
  Step drillRestoreStep(
      JobRepository repo,
      LifeboatConfig config,
      Targets targets,
      PgBinaries pgBinaries,
      Keys keys) {
    PgRestore pgRestore = new PgRestore();
    return new StepBuilder("restore", repo)
        .tasklet(
            StoppableWork.of(
                (contribution, stop) -> {
                  JobExecution job = contribution.getStepExecution().getJobExecution();
                  Target target = targets.resolve(param(contribution, TARGET));
                  PgDatabases server = sessions.get(job.getId());
                  String scratch = scratchName(param(contribution, BACKUP));
                  // a stop ends pg_restore's sessions; pg_restore then fails and the scratch goes
                  stop.onStop(() -> endSessions(drillServer(target), scratch));
                  int serverMajor = PgBinaries.serverMajor(server.serverVersionNum());
                  PgTool tool = pgBinaries.require("pg_restore", serverMajor);
                  createMissingRoles(targets, keys, contribution, target, server);
                  Path archive = Path.of(context(contribution).getString(ARCHIVE));
                  RestoreRole.Restorer restorer =
                      RestoreRole.prepare(
                          server,
                          drillServer(target),
                          scratch,
                          run(contribution),
                          Boolean.parseBoolean(context(contribution).getString(SIGNED, "false")),
                          () ->
                              pgRestore.list(
                                  tool, archive, config.properties().restore().timeout()));
                  restorers.put(job.getId(), restorer);
                  addChecks(
                      contribution, List.of(DrillCheck.passed("restore role", restorer.detail())));
                  long started = System.nanoTime();
                  try {
                    pgRestore.restore(
                        tool,
                        archive,
                        restorer.into(scratch),
                        config.properties().restore().effectiveJobs(),
                        !restorer.asDrillUser(),
                        false,
                        config.properties().restore().timeout());
                    LifeboatProperties.TargetProperties settings =
                        config.targetSettings(target.name());
                    if (settings != null && settings.tenantIsolation() != null) {
                      RestoreRole.grant(
                          server.connection(), restorer, settings.tenantIsolation().role());
                    }
                  } catch (RuntimeException e) {
                    server.dropIfMarked(scratch, LifeboatDatabases.SCRATCH);
                    addChecks(
                        contribution, List.of(DrillCheck.failed("pg_restore", e.getMessage())));
                    throw e;
                  }
                  double seconds = (System.nanoTime() - started) / 1e9;
                  context(contribution).putDouble(PG_RESTORE_SECONDS, seconds);
                  addChecks(
                      contribution,
                      List.of(
                          DrillCheck.passed(
                              "pg_restore",
                              String.format(
                                  java.util.Locale.ROOT,
                                  "restored into %s with %d parallel jobs in %.1fs, no errors",
                                  scratch,
                                  config.properties().restore().effectiveJobs(),
                                  seconds))));
                  return RepeatStatus.FINISHED;
                }),
            StepTransactions.none())
        .build();
  }

  @Bean
  Step drillValidateStep(JobRepository repo, LifeboatConfig config, Targets targets) {
    return new StepBuilder("validate", repo)
        .tasklet(
            (contribution, chunk) -> {
              Target target = targets.resolve(param(contribution, TARGET));
              Manifest manifest =
                  Manifests.read(context(contribution).getString(MANIFEST).getBytes(UTF_8));
              String scratch = scratchName(param(contribution, BACKUP));
              RestoreRole.Restorer restorer =
                  restorers.get(contribution.getStepExecution().getJobExecution().getId());
              // read back as whoever restored it: the archive's functions never run as superuser
              PgConnection scratchDb =
                  restorer == null
                      ? drillServer(target).withDatabase(scratch)
                      : restorer.into(scratch);
              addChecks(
                  contribution,
                  DrillValidator.validate(
                      scratchDb,
                      manifest,
                      Assertions.dir(config, target.name()),
                      target.name(),
                      config.targetSettings(target.name())));
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  @Bean
  Step drillCleanupStep(JobRepository repo) {
    return new StepBuilder("cleanup", repo)
        .tasklet(
            (contribution, chunk) -> {
              PgDatabases server =
                  sessions.get(contribution.getStepExecution().getJobExecution().getId());
              String scratch = scratchName(param(contribution, BACKUP));
              if (Boolean.parseBoolean(param(contribution, KEEP))) {
                server.mark(scratch, LifeboatDatabases.KEPT, run(contribution));
                RestoreRole.keep(
                    server.connection(),
                    restorers.get(contribution.getStepExecution().getJobExecution().getId()));
              } else {
                server.dropIfMarked(scratch, LifeboatDatabases.SCRATCH);
              }
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  /** Takes the drill server's session and lock before the steps; reports and cleans up after. */
  private final class Listener implements JobExecutionListener {
    private final Targets targets;
    private final LifeboatMetrics metrics;
    private final JobRepository repository;
    private final Verifications verifications;
    private final Clock clock;

    Listener(
        Targets targets,
        LifeboatMetrics metrics,
        JobRepository repository,
        Verifications verifications,
        Clock clock) {
      this.targets = targets;
      this.metrics = metrics;
      this.verifications = verifications;
      this.repository = repository;
      this.clock = clock;
    }

    @Override
    public void beforeJob(JobExecution job) {
      Target target = targets.resolve(job.getJobParameters().getString(TARGET));
      try {
        PgDatabases server = PgDatabases.connect(drillServer(target));
        if (server.tryLock(AdvisoryLock.DRILL)) {
          sessions.put(job.getId(), server);
        } else {
          server.close();
        }
      } catch (SQLException e) {
        job.getExecutionContext().putString(CONNECT_ERROR, e.getMessage());
      }
    }

    @Override
    public void afterJob(JobExecution job) {
      JobParameters p = job.getJobParameters();
      ExecutionContext ctx = job.getExecutionContext();
      String scratch = scratchName(p.getString(BACKUP));
      boolean keep = Boolean.parseBoolean(p.getString(KEEP));
      List<DrillCheck> checks = new ArrayList<>(readChecks(ctx));
      if (ctx.containsKey(CONNECT_ERROR)) {
        checks.add(
            DrillCheck.failed("drill server", "cannot connect: " + ctx.getString(CONNECT_ERROR)));
      }
      boolean completed = job.getStatus() == BatchStatus.COMPLETED;
      if (!completed && checks.stream().allMatch(DrillCheck::ok)) {
        // the step failed before it could record a check of its own: say why
        String why =
            job.getAllFailureExceptions().stream()
                .map(Throwable::getMessage)
                .findFirst()
                .orElse("the drill job ended " + job.getStatus());
        checks.add(DrillCheck.failed("drill", why));
      }
      boolean passed = completed && !checks.isEmpty() && checks.stream().allMatch(DrillCheck::ok);
      PgDatabases server = sessions.remove(job.getId());
      restorers.remove(job.getId());
      if (server != null) {
        try {
          if (!completed || !passed && !keep) {
            // a failed drill leaves no scratch database of its own behind, and drops nothing else
            server.dropIfMarked(scratch, LifeboatDatabases.SCRATCH);
          }
          // the roles it made (restore role, roles from the globals); a kept database keeps its own
          List<String> dropped = Roles.dropDrillRoles(server.connection());
          if (!dropped.isEmpty()) {
            checks.add(
                DrillCheck.passed(
                    "cleanup roles",
                    "dropped the roles the drill made: " + String.join(", ", dropped)));
          }
        } catch (SQLException e) {
          checks.add(
              DrillCheck.failed("cleanup", "could not drop " + scratch + ": " + e.getMessage()));
        } finally {
          server.close();
        }
      }
      if (ctx.containsKey(ARCHIVE)) {
        ArchiveFetcher.discard(Path.of(ctx.getString(ARCHIVE)));
      }
      Double pgRestore =
          ctx.containsKey(PG_RESTORE_SECONDS) ? ctx.getDouble(PG_RESTORE_SECONDS) : null;
      Double restore = pgRestore == null ? null : pgRestore + ctx.getDouble(FETCH_SECONDS);
      boolean keptDb = completed && keep;
      DrillReport report =
          new DrillReport(
              passed ? DrillReport.Status.PASSED : DrillReport.Status.FAILED,
              p.getString(TARGET),
              p.getString(BACKUP),
              scratch,
              keptDb,
              ctx.containsKey(STORE) ? ctx.getString(STORE) : null,
              restore,
              pgRestore,
              checks);
      ctx.putString(REPORT, Json.write(report));
      try {
        // Spring Batch saves no context changed after the job: the report is history's record
        repository.updateExecutionContext(job);
      } catch (RuntimeException e) {
        // the report still reaches the caller; only history lacks it
        org.slf4j.LoggerFactory.getLogger("lifeboat.jobs")
            .warn(
                "could not record the report of drill run {} in the job history: {}",
                job.getId(),
                e.getMessage());
      }
      if (passed
          && ctx.containsKey(STORE)
          && Boolean.parseBoolean(ctx.getString(SIGNED, "false"))) {
        // the copy it restored is proved good: every node and the pruning floor can see it (an
        // unsigned backup drilled with --allow-unsigned proves nothing about who made it)
        verifications.mark(
            p.getString(TARGET),
            p.getString(BACKUP),
            List.of(targets.store(ctx.getString(STORE))),
            Verifications.By.DRILL);
      }
      if (passed && restore != null) {
        metrics.drillPassed(p.getString(TARGET), clock.instant(), restore);
      }
    }
  }

  /** How a drill ended, for the metrics, the log and the scheduler. */
  static Outcome outcome(JobExecution job, boolean passed) {
    if (passed) {
      return Outcome.SUCCESS;
    }
    if (job.getStatus() == BatchStatus.STOPPED) {
      return Outcome.STOPPED;
    }
    return TargetBusyException.among(job.getAllFailureExceptions())
        ? Outcome.SKIPPED
        : Outcome.FAILED;
  }

  private static void endSessions(PgConnection server, String database) {
    try (PgDatabases s = PgDatabases.connect(server)) {
      s.disconnect(database);
    } catch (SQLException e) {
      // the drill then runs to its end; the shutdown waits for it as long as it may
      org.slf4j.LoggerFactory.getLogger("lifeboat.jobs")
          .debug("could not end the sessions on {}: {}", database, e.getMessage());
    }
  }

  /** Why a database with the scratch name is refused; the drill door says it first (exit 2). */
  static String notOurs(String scratch) {
    return "database '"
        + scratch
        + "' exists but Lifeboat did not create it (it carries no lifeboat mark) and this drill"
        + " needs that name for its scratch database; rename or drop it by hand, then drill again;"
        + " it was left alone";
  }

  /** The run id the marks of this drill's databases carry. */
  private static String run(StepContribution contribution) {
    return "drill" + contribution.getStepExecution().getJobExecution().getId();
  }

  private static String param(StepContribution contribution, String name) {
    return contribution.getStepExecution().getJobParameters().getString(name);
  }

  private static ExecutionContext context(StepContribution contribution) {
    return contribution.getStepExecution().getJobExecution().getExecutionContext();
  }

  private static void addChecks(StepContribution contribution, List<DrillCheck> more) {
    ExecutionContext ctx = context(contribution);
    List<DrillCheck> all = new ArrayList<>(readChecks(ctx));
    all.addAll(more);
    ctx.putString(CHECKS, Json.write(all));
  }

  private static List<DrillCheck> readChecks(ExecutionContext ctx) {
    return ctx.containsKey(CHECKS)
        ? Arrays.asList(Json.read(ctx.getString(CHECKS), DrillCheck[].class))
        : List.of();
  }
}
