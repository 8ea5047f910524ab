package dev.lifeboat.backup;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.base.Json;
import dev.lifeboat.base.LifeboatException;
import dev.lifeboat.config.Node;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * The door of {@code verify}: re-reads a backup from each store through the verify job, so a typed
 * {@code lifeboat verify} and a scheduled one ({@code schedules.verify}: the latest backup, every
 * store) leave a run in history, count in {@code lifeboat_job_runs_total} and send {@code verify-*}
 * events.
 */
@Component
public final class Verify implements Schedulable {

  /**
   * What a verify run found: {@code success} every copy good; {@code partial} the readable copies
   * good, others unreachable; {@code failed} a copy missing or corrupt.
   */
  public record Report(
      Status status, String summary, String error, BackupVerifier.VerifyResult result) {

    /** Written as the lower-case word of the outcome it is. */
    public enum Status {
      SUCCESS(Outcome.SUCCESS),
      PARTIAL(Outcome.PARTIAL),
      FAILED(Outcome.FAILED);

      private final Outcome outcome;

      Status(Outcome outcome) {
        this.outcome = outcome;
      }

      public Outcome outcome() {
        return outcome;
      }

      @JsonValue
      public String word() {
        return outcome.word();
      }

      @JsonCreator
      public static Status of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
      }
    }

    static Report of(BackupVerifier.VerifyResult r) {
      List<BackupVerifier.StoreCheck> bad = r.stores().stream().filter(c -> !c.ok()).toList();
      boolean partial =
          !r.ok()
              && r.stores().stream().anyMatch(BackupVerifier.StoreCheck::ok)
              && bad.stream().allMatch(BackupVerifier.StoreCheck::unreachable);
      Status status = r.ok() ? Status.SUCCESS : partial ? Status.PARTIAL : Status.FAILED;
      String summary =
          "backup "
              + r.id()
              + ": "
              + String.join(
                  ", ", r.stores().stream().map(c -> c.store() + " " + c.status()).toList());
      String error =
          bad.isEmpty()
              ? null
              : String.join(
                  "; ",
                  bad.stream()
                      .map(c -> c.store() + ": " + c.status() + " - " + c.detail())
                      .toList());
      return new Report(status, summary, error, r);
    }

    /** 0 every copy good, 3 the readable ones good and others unreachable, 1 otherwise. */
    public int exitCode() {
      return status.outcome().exitCode();
    }
  }

  private final JobOperator jobOperator;
  private final Job verifyBatchJob;
  private final Clock clock;
  private final Node node;

  Verify(JobOperator jobOperator, Job verifyBatchJob, Clock clock, Node node) {
    this.jobOperator = jobOperator;
    this.verifyBatchJob = verifyBatchJob;
    this.clock = clock;
    this.node = node;
  }

  @Override
  public VerbName name() {
    return VerbName.VERIFY;
  }

  /** A scheduled verify: the latest backup, in every store of the target. */
  @Override
  public Schedulable.Run run(Target target, Trigger trigger) {
    Report report = execute(target, "latest", null, false, false, trigger);
    return new Schedulable.Run(report.status().outcome(), report.summary(), report.error());
  }

  /** A verify typed on the command line: {@code store} null for every store of the target. */
  public Report run(
      Target target, String idOrLatest, String store, boolean deep, boolean allowUnsigned) {
    return execute(target, idOrLatest, store, deep, allowUnsigned, Trigger.CLI);
  }

  private Report execute(
      Target target,
      String idOrLatest,
      String store,
      boolean deep,
      boolean allowUnsigned,
      Trigger trigger) {
    JobExecution execution;
    try {
      execution =
          jobOperator.start(
              verifyBatchJob,
              new JobParametersBuilder()
                  .addString(VerifyJobConfiguration.TARGET, target.name())
                  .addString(VerifyJobConfiguration.STARTED_AT, clock.instant().toString())
                  .addString(VerifyJobConfiguration.BACKUP, idOrLatest, false)
                  .addString(VerifyJobConfiguration.STORE, store == null ? "" : store, false)
                  .addString(VerifyJobConfiguration.DEEP, String.valueOf(deep), false)
                  .addString(
                      VerifyJobConfiguration.ALLOW_UNSIGNED, String.valueOf(allowUnsigned), false)
                  .addString(Trigger.PARAMETER, trigger.word(), false)
                  .addString(Trigger.NODE, node.name(), false)
                  .toJobParameters());
    } catch (Exception e) {
      throw new BackupException("could not start the verify job: " + e.getMessage(), e);
    }
    String report = execution.getExecutionContext().getString(VerifyJobConfiguration.REPORT, null);
    if (report != null) {
      return Json.read(report, Report.class);
    }
    // the step failed before it could read anything: a usage error keeps its exit code
    for (Throwable t : execution.getAllFailureExceptions()) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof LifeboatException known) {
          throw known;
        }
      }
    }
    throw new BackupException(
        "verify of "
            + idOrLatest
            + " of target '"
            + target.name()
            + "' failed: "
            + execution.getAllFailureExceptions().stream()
                .map(Throwable::getMessage)
                .findFirst()
                .orElse("the verify job ended " + execution.getStatus()));
  }
}
