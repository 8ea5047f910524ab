package dev.lifeboat.drill;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.archive.Roles;
import dev.lifeboat.catalog.Verifications;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.pg.AdvisoryLock;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.run.DrillReport;
import dev.lifeboat.run.DrillRequest;
import dev.lifeboat.run.Jobs;
import dev.lifeboat.target.Targets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.stereotype.Component;

/**
 * Before the steps, takes the drill server's session and its drill lock (held for the whole run, so
 * whatever is there while it is held is a leftover, never a drill in progress); after them, cleans
 * up what the drill made, writes its report and, for a passed drill, marks the backup verified and
 * sets the drill's gauges.
 */
@Component
final class DrillFinish implements JobExecutionListener {

  private final DrillSessions sessions;
  private final Jobs jobs;
  private final Targets targets;
  private final LifeboatMetrics metrics;
  private final Verifications verifications;
  private final Clock clock;

  DrillFinish(
      DrillSessions sessions,
      Jobs jobs,
      Targets targets,
      LifeboatMetrics metrics,
      Verifications verifications,
      Clock clock) {
    this.sessions = sessions;
    this.jobs = jobs;
    this.targets = targets;
    this.metrics = metrics;
    this.verifications = verifications;
    this.clock = clock;
  }

  @Override
  public void beforeJob(JobExecution job) {
    DrillRequest request = jobs.request(job, DrillRequest.class);
    DrillSession drill = new DrillSession(request, jobs.target(job, request), job.getId());
    try {
      PgDatabases server = PgDatabases.connect(drill.drillServer());
      if (server.tryLock(AdvisoryLock.DRILL)) {
        drill.locked(server);
      } else {
        server.close();
      }
    } catch (SQLException e) {
      drill.unreachable(e.getMessage());
    }
    sessions.put(job.getId(), drill);
  }

  @Override
  public void afterJob(JobExecution job) {
    DrillSession drill = sessions.remove(job.getId());
    if (drill == null) {
      return; // it never began: the door says why from the execution
    }
    boolean completed = job.getStatus() == BatchStatus.COMPLETED;
    List<DrillCheck> checks =
        ending(drill.checks(), drill.connectError(), job.getStatus(), failures(job));
    boolean passed = passed(completed, checks);
    cleanUp(drill, dropsScratch(completed, passed, drill.keep()), checks);
    if (drill.archive() != null) {
      ArchiveFetcher.discard(drill.archive());
    }
    Double restore = drill.restoreSeconds();
    DrillReport report =
        new DrillReport(
            passed ? DrillCheck.Status.PASSED : DrillCheck.Status.FAILED,
            drill.targetName(),
            drill.backup(),
            drill.scratch(),
            completed && drill.keep(),
            drill.store(),
            restore,
            drill.pgRestoreSeconds(),
            checks,
            null);
    jobs.record(job, report);
    if (passed && drill.store() != null && drill.signed()) {
      // the copy it restored is proved good: every node and the pruning floor can see it (an
      // unsigned backup drilled with --allow-unsigned proves nothing about who made it)
      verifications.mark(
          drill.targetName(),
          drill.backup(),
          List.of(targets.store(drill.store())),
          Verifications.By.DRILL);
    }
    if (passed && restore != null) {
      metrics.drillPassed(drill.targetName(), clock.instant(), restore);
    }
  }

  /**
   * The checks of a drill that ended {@code status}: an unreachable drill server says so, and a
   * drill that failed before any check of its own failed says why.
   */
  static List<DrillCheck> ending(
      List<DrillCheck> made, String connectError, BatchStatus status, List<String> failures) {
    List<DrillCheck> checks = new ArrayList<>(made);
    if (connectError != null) {
      checks.add(DrillCheck.failed("drill server", "cannot connect: " + connectError));
    }
    if (status != BatchStatus.COMPLETED && checks.stream().allMatch(DrillCheck::ok)) {
      checks.add(
          DrillCheck.failed(
              "drill", failures.stream().findFirst().orElse("the drill job ended " + status)));
    }
    return checks;
  }

  /** Passed: every step completed and every check, of which there is at least one, passed. */
  static boolean passed(boolean completed, List<DrillCheck> checks) {
    return completed && !checks.isEmpty() && checks.stream().allMatch(DrillCheck::ok);
  }

  /** A failed drill leaves no scratch database of its own behind, unless it was to be kept. */
  static boolean dropsScratch(boolean completed, boolean passed, boolean keep) {
    return !completed || !passed && !keep;
  }

  private static List<String> failures(JobExecution job) {
    return job.getAllFailureExceptions().stream().map(Throwable::getMessage).toList();
  }

  private static void cleanUp(DrillSession drill, boolean dropScratch, List<DrillCheck> checks) {
    PgDatabases server = drill.heldServer();
    if (server == null) {
      return;
    }
    try {
      if (dropScratch) {
        server.dropIfMarked(drill.scratch(), LifeboatDatabases.SCRATCH);
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
          DrillCheck.failed(
              "cleanup", "could not drop " + drill.scratch() + ": " + e.getMessage()));
    } finally {
      server.close();
    }
  }
}
