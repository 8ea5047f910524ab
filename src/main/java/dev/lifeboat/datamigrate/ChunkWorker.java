package dev.lifeboat.datamigrate;

import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.Jobs;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * One call, one chunk of one partition, in ONE transaction on the target: the chunk's SQL and the
 * partition's progress row commit together, so a crash at any moment leaves either both or neither.
 * Between chunks it honours a pause or cancel requested in the target's table by any process, and a
 * failure of another partition.
 */
final class ChunkWorker implements Tasklet, StepExecutionListener {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  static final String PARTITION = "partition";

  private final ActiveRuns active;
  private final Jobs jobs;
  private final Map<Long, Connection> sessions = new ConcurrentHashMap<>();

  ChunkWorker(ActiveRuns active, Jobs jobs) {
    this.active = active;
    this.jobs = jobs;
  }

  @Override
  public RepeatStatus execute(
      StepContribution contribution,
      org.springframework.batch.core.scope.context.ChunkContext chunkContext)
      throws Exception {
    StepExecution step = contribution.getStepExecution();
    String name = jobs.request(step.getJobExecution(), DataMigrateRequest.class).name();
    int part = step.getExecutionContext().getInt(PARTITION);
    ActiveRun run = active.get(name);
    if (run == null || run.failure != null || run.request != null) {
      return RepeatStatus.FINISHED;
    }
    Connection c = sessions.get(step.getId());
    if (c == null) {
      c = run.target.open();
      c.setAutoCommit(false);
      sessions.put(step.getId(), c);
    }
    long from = -1;
    long to = -1;
    try {
      String request = ProgressTable.requested(c, name);
      if (request != null) {
        c.rollback();
        run.request = request;
        return RepeatStatus.FINISHED;
      }
      long end;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT next_key, to_key FROM "
                  + ProgressTable.PROGRESS
                  + " WHERE name = ? AND part = ? FOR UPDATE")) {
        ps.setString(1, name);
        ps.setInt(2, part);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            return RepeatStatus.FINISHED;
          }
          from = rs.getLong(1);
          end = rs.getLong(2);
        }
      }
      if (from >= end) {
        c.rollback();
        return RepeatStatus.FINISHED;
      }
      to = end - from <= run.spec.chunkSize() ? end : from + run.spec.chunkSize();
      long rows = 0;
      try (Statement s = c.createStatement()) {
        boolean isResult = s.execute(run.spec.chunkSql(from, to));
        while (true) {
          int n = isResult ? 0 : s.getUpdateCount();
          if (!isResult && n == -1) {
            break;
          }
          rows += Math.max(0, n);
          isResult = s.getMoreResults();
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE "
                  + ProgressTable.PROGRESS
                  + " SET next_key = ?, rows = rows + ?, chunks = chunks + 1, updated_at = now()"
                  + " WHERE name = ? AND part = ? AND next_key = ?")) {
        ps.setLong(1, to);
        ps.setLong(2, rows);
        ps.setString(3, name);
        ps.setInt(4, part);
        ps.setLong(5, from);
        if (ps.executeUpdate() != 1) {
          throw new IllegalStateException("the progress of partition " + part + " moved under us");
        }
      }
      c.commit();
      contribution.incrementWriteCount(rows);
      run.chunkDone(to - from, rows);
    } catch (SQLException e) {
      try {
        c.rollback();
      } catch (SQLException rollback) {
        // the connection is gone; the chunk rolled back with it
        log.debug("could not roll back the chunk: {}", rollback.getMessage());
      }
      String message =
          "chunk ["
              + from
              + ", "
              + to
              + ") of partition "
              + part
              + " of data migration '"
              + name
              + "' failed and was rolled back: "
              + PgErrors.rootCause(e)
              + "; fix "
              + run.spec.file()
              + " and run it again to resume at this chunk";
      run.failure = run.failure == null ? message : run.failure;
      throw new DataMigrationException(message, null);
    }
    if (!run.spec.pauseBetweenChunks().isZero()) {
      Thread.sleep(run.spec.pauseBetweenChunks().toMillis());
    }
    return run.failure == null ? RepeatStatus.CONTINUABLE : RepeatStatus.FINISHED;
  }

  @Override
  public ExitStatus afterStep(StepExecution step) {
    Connection c = sessions.remove(step.getId());
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing only
        log.debug("could not close the session of step {}: {}", step.getId(), e.getMessage());
      }
    }
    return null;
  }
}
