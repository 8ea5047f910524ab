package dev.lifeboat.verify;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.archive.ArchiveException;
import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.base.Word;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
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
      Outcome status,
      String summary,
      String error,
      BackupVerifier.VerifyResult result,
      @JsonInclude(JsonInclude.Include.NON_NULL) WalReport wal)
      implements Result {

    /** The report of a verify of a backup ({@code wal} null). */
    public Report(
        Outcome status, String summary, String error, BackupVerifier.VerifyResult result) {
      this(status, summary, error, result, null);
    }

    /**
     * {@code verify --wal}: success every store's chain good; partial some; failed none (no WAL, a
     * gap, a corrupt object, unreachable).
     */
    static Report of(WalReport w) {
      List<WalReport.Store> bad = w.stores().stream().filter(s -> !s.ok()).toList();
      Outcome status =
          bad.isEmpty()
              ? Outcome.SUCCESS
              : bad.size() < w.stores().size() ? Outcome.PARTIAL : Outcome.FAILED;
      String summary =
          "WAL of "
              + w.target()
              + ": "
              + joined(", ", w.stores(), s -> s.store() + " " + s.status().word());
      String error =
          bad.isEmpty()
              ? null
              : joined("; ", bad, s -> s.store() + ": " + s.status().word() + " - " + s.detail());
      return new Report(status, summary, error, null, w);
    }

    static Report of(BackupVerifier.VerifyResult r) {
      List<BackupVerifier.StoreCheck> bad = r.stores().stream().filter(c -> !c.ok()).toList();
      boolean partial =
          !r.ok()
              && r.stores().stream().anyMatch(BackupVerifier.StoreCheck::ok)
              && bad.stream().allMatch(BackupVerifier.StoreCheck::unreachable);
      Outcome status = r.ok() ? Outcome.SUCCESS : partial ? Outcome.PARTIAL : Outcome.FAILED;
      String summary =
          "backup " + r.id() + ": " + joined(", ", r.stores(), c -> c.store() + " " + c.status());
      String error =
          bad.isEmpty()
              ? null
              : joined("; ", bad, c -> c.store() + ": " + c.status() + " - " + c.detail());
      return new Report(status, summary, error, r);
    }

    private static <T> String joined(String by, List<T> stores, Function<T, String> each) {
      return String.join(by, stores.stream().map(each).toList());
    }

    /**
     * Success every copy good (exit 0), partial the readable ones good and others unreachable (3).
     */
    @Override
    public Outcome outcome() {
      return status;
    }
  }

  /**
   * What {@code verify --wal} found in each store of the target: its WAL of the system {@code
   * systemIdentifier} (the archive's {@code cluster.json}), read back object by object.
   */
  public record WalReport(String target, String systemIdentifier, List<Store> stores) {

    /** How one store's chain looks. */
    public enum Status implements Word {
      /** Every object read back matching its key, no gap, and the newest WAL recoverable. */
      OK,
      /** A gap, a corrupt or unreadable object, or no base backup's window reaches the newest. */
      BROKEN,
      /** The store holds no WAL of the target. */
      EMPTY,
      /** The store could not be listed. */
      UNREACHABLE
    }

    /**
     * One store: {@code segments} completed segments on the chain, {@code objects} and {@code
     * bytes} read back, the contiguous {@code runs} along timeline {@code timeline}, the {@code
     * gaps} between them, the {@code corrupt} objects, the {@code windows} a point-in-time restore
     * can reach, the newest partial segment, and timelines whose WAL cannot be followed (their
     * history file is not readable without a secret or not stored).
     */
    public record Store(
        String store,
        Status status,
        String detail,
        Long timeline,
        long segments,
        long objects,
        long bytes,
        List<Run> runs,
        List<Gap> gaps,
        List<Corrupt> corrupt,
        List<Window> windows,
        Partial newestPartial,
        List<Long> timelinesWithoutHistory) {

      public boolean ok() {
        return status == Status.OK;
      }
    }

    /** Completed segments {@code first} to {@code last}; the WAL they hold ends at {@code end}. */
    public record Run(String first, String last, long segments, String end, Instant lastModified) {}

    /** Segments {@code from} to {@code to} are in no readable completed object. */
    public record Gap(String from, String to, long segments) {}

    /** An object whose stored bytes do not hash to the SHA-256 in its key, or could not be read. */
    public record Corrupt(String key, String problem) {}

    /** A restore from {@code baseBackup} can reach any moment from {@code from} to {@code to}. */
    public record Window(
        String baseBackup, Instant from, Instant to, long timeline, String fromLsn, String toLsn) {}

    /** The segment in progress as stored: its first {@code validBytes}, {@code ageSeconds} old. */
    public record Partial(String segment, long validBytes, Instant lastModified, long ageSeconds) {}
  }

  private final LifeboatConfig config;

  Verify(Job verifyBatchJob, LifeboatConfig config) {
    super(VerbName.VERIFY, VerifyRequest.class, Report.class, verifyBatchJob);
    this.config = config;
  }

  /** {@code --wal} of a target that does not archive its WAL is a usage error, exit 2. */
  @Override
  public VerifyRequest prepare(VerifyRequest request, Target target) {
    if (request.wal()) {
      LifeboatProperties.TargetProperties settings = config.targetSettings(target.name());
      if (settings == null || settings.wal() == null || !settings.wal().enabled()) {
        throw new ConfigException(
            "--wal",
            "target '"
                + target.name()
                + "' does not archive its WAL (lifeboat.targets."
                + config.baseTarget(target.name())
                + ".wal.enabled is false), so there is no WAL chain to verify");
      }
      if (request.deep() || request.allowUnsigned()) {
        throw new ConfigException(
            request.deep() ? "--deep" : "--allow-unsigned",
            "reads a backup; verify --wal checks the WAL archive, whose stored bytes need no"
                + " secret and carry no signature: leave it out");
      }
      if (request.store() != null && !target.stores().contains(request.store())) {
        throw new ConfigException(
            "--store",
            "target '"
                + target.name()
                + "' has no store named '"
                + request.store()
                + "' (its stores: "
                + String.join(", ", target.stores())
                + ")");
      }
    }
    return request;
  }

  /** A scheduled verify: the latest backup, in every store of the target. */
  @Override
  public VerifyRequest scheduled(String target) {
    return VerifyRequest.scheduled(target);
  }

  @Override
  public Report unfinished(VerifyRequest request, JobExecution execution) {
    // the step failed before it could read anything: a usage error keeps its exit code
    String what =
        (request.wal() ? "verify of the WAL" : "verify of " + request.backup())
            + " of target '"
            + request.target()
            + "'";
    throw new ArchiveException(Endings.failed(execution, what));
  }
}
