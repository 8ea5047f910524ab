package dev.lifeboat.verify;

import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import java.util.List;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The door of {@code verify}: re-reads a backup from each store through the verify job, so a typed
 * {@code lifeboat verify} and a scheduled one ({@code schedules.verify}: the latest backup, every
 * store) leave a run in history, count in {@code lifeboat_job_runs_total} and send {@code verify-*}
 * events.
 */
@Component
public final class Verify extends Verb<VerifyRequest, Verify.Report> {

  /**
   * What a verify run found: {@code success} every copy good; {@code partial} the readable copies
   * good, others unreachable; {@code failed} a copy missing or corrupt.
   */
  public record Report(
      Outcome status, String summary, String error, BackupVerifier.VerifyResult result)
      implements Result {

    static Report of(BackupVerifier.VerifyResult r) {
      List<BackupVerifier.StoreCheck> bad = r.stores().stream().filter(c -> !c.ok()).toList();
      boolean partial =
          !r.ok()
              && r.stores().stream().anyMatch(BackupVerifier.StoreCheck::ok)
              && bad.stream().allMatch(BackupVerifier.StoreCheck::unreachable);
      Outcome status = r.ok() ? Outcome.SUCCESS : partial ? Outcome.PARTIAL : Outcome.FAILED;
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

    /**
     * Success every copy good (exit 0), partial the readable ones good and others unreachable (3).
     */
    @Override
    public Outcome outcome() {
      return status;
    }
  }

  Verify(Job verifyBatchJob) {
    super(VerbName.VERIFY, VerifyRequest.class, Report.class, verifyBatchJob);
  }

  /** A scheduled verify: the latest backup, in every store of the target. */
  @Override
  public VerifyRequest scheduled(String target) {
    return VerifyRequest.scheduled(target);
  }

  @Override
  public Report unfinished(VerifyRequest request, JobExecution execution) {
    // the step failed before it could read anything: a usage error keeps its exit code
    String what = "verify of " + request.backup() + " of target '" + request.target() + "'";
    throw new ArchiveException(Endings.failed(execution, what));
  }
}
