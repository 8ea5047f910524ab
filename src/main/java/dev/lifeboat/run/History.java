package dev.lifeboat.run;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.base.Json;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The audit trail: job runs read back from the job repository, newest first, with who started them
 * (trigger, node), how they ended and why.
 *
 * <p>Spring Batch records times as local date-times of the recording JVM; they are read back in
 * this JVM's zone, so nodes should share one (UTC, as containers and systemd units here do).
 */
@Component
public final class History {

  /** One job run. Times are UTC as the job repository recorded them. */
  public record Entry(
      long execution,
      String job,
      String target,
      String trigger,
      String node,
      String startedAt,
      Double seconds,
      String outcome,
      String status,
      String result,
      String error) {}

  /**
   * The exit code of a run refused because the same job of its target ran elsewhere ({@link
   * TargetBusyException}); set by {@link LocalExecutions}.
   */
  public static final String SKIPPED_EXIT_CODE = "SKIPPED";

  /** The outcome history shows for a run that has not ended: not an {@link Outcome} yet. */
  public static final String RUNNING = "running";

  private final JobRepository repository;
  private final DataSource control;

  History(JobRepository repository, DataSource controlDataSource) {
    this.repository = repository;
    this.control = controlDataSource;
  }

  /** The newest {@code limit} runs, optionally of one target and/or one job. */
  public List<Entry> list(String target, String job, int limit) {
    if (target != null) {
      return ofTarget(target, job, limit);
    }
    List<Entry> result = new ArrayList<>();
    for (String name : repository.getJobNames()) {
      if (job != null && !job.equals(name)) {
        continue;
      }
      int page = Math.max(limit, 50);
      for (int start = 0; ; start += page) {
        List<JobInstance> instances = repository.getJobInstances(name, start, page);
        int matched = 0;
        for (JobInstance instance : instances) {
          for (JobExecution e : repository.getJobExecutions(instance)) {
            Entry entry = entry(name, e);
            if (target == null || target.equals(entry.target())) {
              result.add(entry);
              matched++;
            }
          }
        }
        if (instances.size() < page || matched >= limit) {
          break;
        }
      }
    }
    result.sort(Comparator.comparingLong(Entry::execution).reversed());
    return result.size() > limit ? List.copyOf(result.subList(0, limit)) : result;
  }

  /**
   * The newest {@code limit} runs of {@code target} (and of {@code job}, when given), found by
   * their target parameter in one query: paging through every job's instances for them cost a query
   * per instance until {@code limit} matched, all of them for a target with few runs.
   */
  private List<Entry> ofTarget(String target, String job, int limit) {
    List<Long> ids;
    try (Connection c = control.getConnection()) {
      ids =
          Jdbc.list(
              c,
              "SELECT e.JOB_EXECUTION_ID FROM BATCH_JOB_EXECUTION e"
                  + " JOIN BATCH_JOB_EXECUTION_PARAMS p ON p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID"
                  + " JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID"
                  + " WHERE p.PARAMETER_NAME = ? AND p.PARAMETER_VALUE = ?"
                  + " AND (CAST(? AS VARCHAR(100)) IS NULL OR i.JOB_NAME = ?)"
                  + " ORDER BY e.JOB_EXECUTION_ID DESC FETCH FIRST "
                  + limit
                  + " ROWS ONLY",
              rs -> rs.getLong(1),
              RequestCodec.TARGET,
              target,
              job,
              job);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the job history: " + e.getMessage(), e);
    }
    List<Entry> result = new ArrayList<>();
    for (long id : ids) {
      JobExecution e = repository.getJobExecution(id);
      if (e != null) {
        result.add(entry(e.getJobInstance().getJobName(), e));
      }
    }
    return result;
  }

  /** How {@code execution} ran (or runs), as {@code history} shows it. */
  public static Entry describe(JobExecution execution) {
    return entry(execution.getJobInstance().getJobName(), execution);
  }

  private static Entry entry(String job, JobExecution e) {
    JobParameters p = e.getJobParameters();
    String status = e.getStatus().name();
    String resultText = null;
    String error = null;
    String context = null;
    if (e.getExecutionContext().containsKey("result")) {
      context = e.getExecutionContext().getString("result");
    } else if (e.getExecutionContext().containsKey("report")) {
      context = e.getExecutionContext().getString("report");
    }
    JsonNode node = context == null ? null : Json.mapper().readTree(context);
    boolean running = e.getStatus().isRunning();
    Outcome outcome;
    if (running) {
      outcome = null;
    } else if (e.getStatus() == BatchStatus.STOPPED) {
      outcome = Outcome.STOPPED;
    } else if (e.getStatus() == BatchStatus.COMPLETED) {
      // a result's status word: partial and failed say so; any other (complete, passed…) succeeded
      String s = node != null && node.has("status") ? node.get("status").asString() : null;
      outcome =
          Outcome.PARTIAL.word().equals(s)
              ? Outcome.PARTIAL
              : Outcome.FAILED.word().equals(s) ? Outcome.FAILED : Outcome.SUCCESS;
    } else {
      outcome = Outcome.FAILED;
    }
    boolean ran = outcome == Outcome.SUCCESS || outcome == Outcome.PARTIAL;
    if (VerbName.BACKUP.is(job)) {
      // a backup that did not complete has an id nothing was written under
      resultText = ran || running ? p.getString("id") : null;
    } else if (node != null && node.has("summary")) {
      resultText = node.get("summary").asString(); // prune: what it deleted and cleaned
    } else if (node != null && node.has("status")) {
      resultText =
          node.get("status").asString()
              + (p.getString("backup") == null ? "" : " (backup " + p.getString("backup") + ")");
    }
    if (node != null && node.has("error") && !node.get("error").isNull()) {
      error = node.get("error").asString();
    } else if (node != null && node.has("checks")) {
      for (JsonNode c : node.get("checks")) {
        // a drill's checks: "status" passed or failed (drill.DrillCheck, which run/ may not import;
        // records serialise their components only, so no report ever carried an "ok" flag)
        if (c.has("status") && "failed".equals(c.get("status").asString())) {
          error = c.get("name").asString() + ": " + c.get("detail").asString();
          break;
        }
      }
    }
    String description = e.getExitStatus().getExitDescription();
    if (error == null && description != null && !description.isBlank() && !running) {
      error = firstLine(description);
    }
    if (outcome == Outcome.FAILED
        && (SKIPPED_EXIT_CODE.equals(e.getExitStatus().getExitCode())
            || recordedBusyBeforeExitCodes(description))) {
      outcome = Outcome.SKIPPED;
    }
    if (outcome == Outcome.STOPPED) {
      error =
          "stopped on request (SIGTERM, Ctrl-C or JobOperator.stop); nothing of it was published";
    }
    LocalDateTime start = e.getStartTime();
    LocalDateTime end = e.getEndTime();
    Double seconds =
        start != null && end != null ? Duration.between(start, end).toMillis() / 1000.0 : null;
    return new Entry(
        e.getId(),
        job,
        p.getString("target"),
        Trigger.of(p.getString(Trigger.PARAMETER)).word(),
        p.getString(Trigger.NODE),
        start == null ? null : start.atZone(ZoneId.systemDefault()).toInstant().toString(),
        seconds,
        running ? RUNNING : outcome.word(),
        status,
        resultText,
        error);
  }

  /**
   * Runs recorded before {@link #SKIPPED_EXIT_CODE} existed carry only the refusal's stack trace in
   * their exit description; their history still says skipped.
   */
  private static boolean recordedBusyBeforeExitCodes(String description) {
    return description != null && description.contains(TargetBusyException.class.getName());
  }

  /** The message of a stack trace's first line, without the exception's class name. */
  static String firstLine(String text) {
    String line = text.lines().findFirst().orElse("");
    int colon = line.indexOf(": ");
    if (colon > 0 && line.substring(0, colon).matches("[\\w.$]+(Exception|Error)")) {
      line = line.substring(colon + 2);
    }
    return line;
  }
}
