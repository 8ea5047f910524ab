package dev.lifeboat.backup;

import dev.lifeboat.run.Outcome;
import java.util.List;

/**
 * The outcome of a backup: {@code complete} (every store holds it), {@code partial} (some do) or
 * {@code failed} (none does). What {@code backup --json} prints.
 */
public record BackupResult(
    String id,
    String target,
    String label,
    String status,
    Manifest manifest,
    List<StoreResult> stores,
    String error) {

  public static final String COMPLETE = "complete";
  public static final String PARTIAL = "partial";
  public static final String FAILED = "failed";

  /** Not taken: another backup of the target was running (another node, a typed command). */
  public static final String SKIPPED = "skipped";

  /** Stopped on request (SIGTERM); nothing of it is listed. */
  public static final String STOPPED = "stopped";

  /** The outcome in the words of the metrics and the job log. */
  public Outcome outcome() {
    return switch (status) {
      case COMPLETE -> Outcome.SUCCESS;
      case PARTIAL -> Outcome.PARTIAL;
      case SKIPPED -> Outcome.SKIPPED;
      case STOPPED -> Outcome.STOPPED;
      default -> Outcome.FAILED;
    };
  }

  /** Exit code per CONTRACT §3: 0 complete, 3 partial, 1 failed, skipped or stopped. */
  public int exitCode() {
    return switch (status) {
      case COMPLETE -> 0;
      case PARTIAL -> 3;
      default -> 1;
    };
  }
}
