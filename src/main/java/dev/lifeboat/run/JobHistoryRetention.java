package dev.lifeboat.run;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.config.LifeboatProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The job repository's retention: {@code serve} removes the runs that ended more than {@code
 * lifeboat.history.keep} ago (400 days unless set), at start and then every hour, in batches of
 * {@value #BATCH} runs, one transaction each, so that the control database stays bounded however
 * long the daemon serves. It never removes the newest run of a job and target (so {@code history}
 * and the last-success gauges always have an answer) nor a run still recorded running. A pass that
 * fails is logged and tried again an hour later; several nodes may run it at once.
 */
@Component
final class JobHistoryRetention implements NodeService {

  static final int BATCH = 500;
  static final Duration EVERY = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final DataSource control;
  private final Duration keep;
  private final Clock clock;
  private final Counter removed;
  private ScheduledExecutorService thread;

  JobHistoryRetention(
      DataSource controlDataSource,
      LifeboatProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.control = controlDataSource;
    this.keep = properties.history().keep();
    this.clock = clock;
    this.removed =
        Counter.builder("lifeboat_history_runs_removed")
            .description("Job runs serve removed from the job repository (lifeboat.history.keep)")
            .register(meters);
  }

  @Override
  public String name() {
    return "job history retention";
  }

  @Override
  public synchronized void start() {
    thread = NodeService.backgroundThread("lifeboat-history-retention");
    thread.scheduleWithFixedDelay(this::pass, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop(Duration budget) {
    if (thread == null) {
      return;
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(budget.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One pass; a failure is logged and tried again {@link #EVERY} later, never thrown. */
  void pass() {
    try {
      int n = removeEndedBefore(clock.instant().minus(keep));
      if (n > 0) {
        log.info("removed {} job runs that ended more than {} ago", n, keep);
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("could not remove old job runs (tried again in {}): {}", EVERY, e.getMessage());
    }
  }

  /**
   * Removes every run that ended before {@code cutoff}, but the newest of each job and target and
   * the running ones; returns how many it removed.
   */
  int removeEndedBefore(Instant cutoff) throws SQLException {
    LocalDateTime before = LocalDateTime.ofInstant(cutoff, ZoneId.systemDefault());
    int total = 0;
    try (Connection c = control.getConnection()) {
      Set<Long> newest = newest(c);
      long after = 0;
      while (!Thread.currentThread().isInterrupted()) {
        List<long[]> page = page(c, after, before);
        if (page.isEmpty()) {
          break;
        }
        after = page.get(page.size() - 1)[0];
        List<long[]> doomed = page.stream().filter(r -> !newest.contains(r[0])).toList();
        if (!doomed.isEmpty()) {
          delete(c, doomed);
          total += doomed.size();
          removed.increment(doomed.size());
        }
      }
    }
    return total;
  }

  /** The newest run of each job and target (a run without a target is its job's own). */
  private static Set<Long> newest(Connection c) throws SQLException {
    return new HashSet<>(
        Jdbc.list(
            c,
            "SELECT MAX(e.JOB_EXECUTION_ID) FROM BATCH_JOB_EXECUTION e"
                + " JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID"
                + " LEFT JOIN BATCH_JOB_EXECUTION_PARAMS p"
                + " ON p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = ?"
                + " GROUP BY i.JOB_NAME, p.PARAMETER_VALUE",
            rs -> rs.getLong(1),
            RequestCodec.TARGET));
  }

  /** Up to {@link #BATCH} ended runs after id {@code after} that ended before {@code before}. */
  private static List<long[]> page(Connection c, long after, LocalDateTime before)
      throws SQLException {
    return Jdbc.list(
        c,
        "SELECT JOB_EXECUTION_ID, JOB_INSTANCE_ID FROM BATCH_JOB_EXECUTION"
            + " WHERE JOB_EXECUTION_ID > ?"
            + " AND STATUS NOT IN ('STARTING', 'STARTED', 'STOPPING')"
            + " AND COALESCE(END_TIME, CREATE_TIME) < ?"
            + " ORDER BY JOB_EXECUTION_ID FETCH FIRST "
            + BATCH
            + " ROWS ONLY",
        rs -> new long[] {rs.getLong(1), rs.getLong(2)},
        after,
        before);
  }

  /** Removes the runs {@code rows} (execution, instance) and what hangs on them, in one go. */
  private static void delete(Connection c, List<long[]> rows) throws SQLException {
    String executions = in(rows.size());
    Object[] executionIds = rows.stream().map(r -> r[0]).toArray();
    Object[] instanceIds = rows.stream().map(r -> r[1]).toArray();
    Jdbc.inTransaction(
        c,
        () -> {
          for (String sql :
              List.of(
                  "DELETE FROM BATCH_STEP_EXECUTION_CONTEXT WHERE STEP_EXECUTION_ID IN"
                      + " (SELECT STEP_EXECUTION_ID FROM BATCH_STEP_EXECUTION"
                      + " WHERE JOB_EXECUTION_ID IN "
                      + executions
                      + ")",
                  "DELETE FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID IN " + executions,
                  "DELETE FROM BATCH_JOB_EXECUTION_CONTEXT WHERE JOB_EXECUTION_ID IN " + executions,
                  "DELETE FROM BATCH_JOB_EXECUTION_PARAMS WHERE JOB_EXECUTION_ID IN " + executions,
                  "DELETE FROM BATCH_JOB_EXECUTION WHERE JOB_EXECUTION_ID IN " + executions)) {
            Jdbc.update(c, sql, executionIds);
          }
          // an instance goes with its last run
          Jdbc.update(
              c,
              "DELETE FROM BATCH_JOB_INSTANCE WHERE JOB_INSTANCE_ID IN "
                  + executions
                  + " AND NOT EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION e"
                  + " WHERE e.JOB_INSTANCE_ID = BATCH_JOB_INSTANCE.JOB_INSTANCE_ID)",
              instanceIds);
        });
  }

  private static String in(int n) {
    return "(" + String.join(",", java.util.Collections.nCopies(n, "?")) + ")";
  }
}
